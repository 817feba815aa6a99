using Vivify.TestSupport;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vivify.Media.Tests;

/// <summary>
/// The crash of issue #18 (`faces crop`, 1 run in 9: "Expected false to be true … toDouble" in
/// THSTensor_div_scalar_): a number passed to a tensor operation became a temporary TorchSharp Scalar whose
/// finalizer freed it while libtorch was reading it. Here a thread forces collections and runs finalizers
/// without pause while frames go to tensors and back; before Vivify.Torch.Scalars this failed within 3–7 s
/// ("Unknown scalar type" or the message above) on the 2-core build machine.
/// </summary>
public class ScalarLifetimeStressTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(12);
    private readonly ITestOutputHelper _out;
    public ScalarLifetimeStressTests(ITestOutputHelper output) => _out = output;

    [Fact]
    public void FrameConversionsSurviveFinalizersRunningDuringNativeCalls()
    {
        var data = new byte[16 * 16 * 3];
        new Random(1).NextBytes(data);
        var frame = new RgbFrame(16, 16, data);
        long wrong = 0;
        var (rounds, collections) = FinalizerStress.Run(Budget, () =>
        {
            using var scope = NewDisposeScope();
            var back = RgbFrame.FromTensor(frame.ToTensor());
            if (!back.Data.AsSpan().SequenceEqual(data)) wrong++;
        });
        _out.WriteLine($"{rounds} round trips, {collections} forced collections in {Budget.TotalSeconds:F0} s");
        Assert.Equal(0, wrong);
        Assert.True(collections > 100, $"only {collections} collections: the stress did not happen");
    }
}
