using TorchSharp;
using TorchSharp.Modules;
using Vivify.TestSupport;
using Vivify.Torch.Distributed;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Distributed;

/// <summary>
/// Batch norm in training mode counts its batches (num_batches_tracked += 1). TorchSharp's BatchNorm2d.forward does
/// that through a temporary Scalar, which a finalizer may free while libtorch reads it (see Vivify.Torch.Scalars): a
/// stylization training run once died of it ("For integral input tensors, argument alpha must not be a floating point
/// number" from BatchNorm.forward). Here a thread forces collections and runs finalizers without pause while a batch
/// norm trains through <see cref="SynchronizedBatchNorm.forward(BatchNorm2d, Tensor)"/>, the path every Vivify network takes.
/// </summary>
public class BatchNormScalarStressTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(12);

    [Fact]
    public void Training_batch_norm_survives_finalizers_running_during_native_calls()
    {
        using var norm = nn.BatchNorm2d(2);
        using var seq = nn.Sequential(("norm", norm));
        norm.train();
        using var input = arange(16, dtype: ScalarType.Float32).view(2, 2, 2, 2);
        var (rounds, collections) = FinalizerStress.Run(Budget, () =>
        {
            using var scope = NewDisposeScope();
            SynchronizedBatchNorm.forward(norm, input);
            SynchronizedBatchNorm.forward(seq, input);
        });
        output.WriteLine($"{rounds} rounds, {collections} forced collections in {Budget.TotalSeconds:F0} s");
        Assert.Equal(2 * rounds, norm.num_batches_tracked!.item<long>());
        Assert.True(collections > 100, $"only {collections} collections: the stress did not happen");
    }

    /// <summary>The training forward Vivify runs is TorchSharp's, value for value: output, gradients, running statistics, count.</summary>
    [Fact]
    public void Training_forward_equals_TorchSharps_own()
    {
        manual_seed(3);
        using var theirs = nn.BatchNorm2d(3);
        using var ours = nn.BatchNorm2d(3);
        using (no_grad())
        {
            theirs.weight!.uniform_(0.5, 1.5);
            theirs.bias!.uniform_(-0.5, 0.5);
            ours.weight!.copy_(theirs.weight);
            ours.bias!.copy_(theirs.bias);
        }
        using var seq = nn.Sequential(("norm", ours));
        theirs.train();
        seq.train();
        for (var i = 0; i < 3; i++)
        {
            using var scope = NewDisposeScope();
            var x = randn(4, 3, 5, 5) * 2 + 1;
            var expected = theirs.forward(x);
            var actual = i % 2 == 0 ? SynchronizedBatchNorm.forward(ours, x) : SynchronizedBatchNorm.forward(seq, x);
            TensorAssert.Equal(expected, actual, "output");
            (expected * x).sum().backward();
            (actual * x).sum().backward();
        }
        TensorAssert.Equal(theirs.weight!.grad!, ours.weight!.grad!, "weight gradient");
        TensorAssert.Equal(theirs.bias!.grad!, ours.bias!.grad!, "bias gradient");
        TensorAssert.Equal(theirs.running_mean!, ours.running_mean!, "running_mean");
        TensorAssert.Equal(theirs.running_var!, ours.running_var!, "running_var");
        TensorAssert.Equal(theirs.num_batches_tracked!, ours.num_batches_tracked!, "num_batches_tracked");
    }
}
