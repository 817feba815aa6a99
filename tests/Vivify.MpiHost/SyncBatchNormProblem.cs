using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.MpiHost;

/// <summary>
/// The seeded global batch, upstream gradient and batch norm of the synchronised batch-norm check: built alike by the
/// ranks (<c>syncbn</c>) and by the test that computes the whole batch in one process.
/// </summary>
public static class SyncBatchNormProblem
{
    /// <summary>Global batch size of <see cref="Make"/>'s input.</summary>
    public const int Batch = 8;

    /// <summary>x [8,3,5,6], the gradient flowing back into the output, and a BatchNorm2d(3) with seeded affine weights, in training mode.</summary>
    public static (Tensor X, Tensor Upstream, BatchNorm2d Norm) Make()
    {
        var g = new Generator();
        g.manual_seed(7);
        var x = randn([Batch, 3, 5, 6], generator: g) * 2 + 3;
        var upstream = randn([Batch, 3, 5, 6], generator: g);
        var norm = nn.BatchNorm2d(3);
        using (no_grad())
        {
            norm.weight.copy_(randn([3], generator: g));
            norm.bias!.copy_(randn([3], generator: g));
        }
        norm.train();
        return (x, upstream, norm);
    }
}
