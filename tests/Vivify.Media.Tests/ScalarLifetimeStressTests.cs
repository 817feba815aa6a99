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
        var stop = false;
        long collections = 0;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect(0);
                GC.WaitForPendingFinalizers();
                collections++;
            }
        })
        { IsBackground = true };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long rounds = 0, wrong = 0;
        collector.Start();
        try
        {
            while (clock.Elapsed < Budget)
            {
                using var scope = NewDisposeScope();
                var back = RgbFrame.FromTensor(frame.ToTensor());
                if (!back.Data.AsSpan().SequenceEqual(data)) wrong++;
                rounds++;
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
        _out.WriteLine($"{rounds} round trips, {collections} forced collections in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(0, wrong);
        Assert.True(collections > 100, $"only {collections} collections: the stress did not happen");
    }
}
