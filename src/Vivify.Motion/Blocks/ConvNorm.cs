using TorchSharp.Modules;
using Vivify.Torch.Distributed;
using Vivify.Torch.Modules;
using static TorchSharp.torch;

namespace Vivify.Motion.Blocks;

/// <summary>
/// A block's convolution and the batch norm after it (both registered by the block under their published names), with
/// their folded form for inference (<see cref="IBatchNormFoldable"/>): the plumbing SameBlock2d, DownBlock2d, UpBlock2d
/// and ResBlock2d share.
/// </summary>
internal sealed class ConvNorm(Conv2d conv, BatchNorm2d norm, long padding, long groups = 1) : IDisposable
{
    /// <summary>The folded convolution, once <see cref="Fold"/> ran.</summary>
    public FoldedConv? Folded { get; private set; }

    /// <summary>Folds the norm's running statistics into the convolution; with <paramref name="release"/>, frees the weights it replaces.</summary>
    public void Fold(ScalarType? dtype, bool release)
    {
        Folded?.Dispose();
        Folded = FoldedConv.From(conv, norm, padding, groups, dtype, release: release);
    }

    /// <summary>Frees the folded convolution of a released block whose owner computes it another way (its weights are gone).</summary>
    public void ReleaseFolded()
    {
        Folded?.Dispose();
        Folded = null;
    }

    /// <summary>norm(conv(x)), folded in eval mode once folded; in training, batch statistics (synchronised across ranks).</summary>
    public Tensor forward(Tensor x, bool training) =>
        Folded is not null && !training ? Folded.forward(x) : SynchronizedBatchNorm.forward(norm, conv.forward(x));

    public void Dispose() => Folded?.Dispose();
}
