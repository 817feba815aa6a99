using TorchSharp;
using Vivify.Torch.Modules;
using static TorchSharp.torch;

namespace Vivify.Motion.Blocks;

/// <summary>A block whose convolution is followed by a batch norm that can be folded into it for inference.</summary>
public interface IBatchNormFoldable
{
    /// <summary>Folds the running statistics into the convolution; used in eval mode only.</summary>
    /// <param name="dtype">The dtype the folded weights are kept in (computed in float32 whatever it is); default the convolution's.</param>
    /// <param name="release">Free the weights the fold replaces (<see cref="FoldedConv.Release"/>): the block then runs only folded, in eval mode.</param>
    void FoldBatchNorm(ScalarType? dtype = null, bool release = false);
}

/// <summary>Folds every foldable block of a model (<see cref="IBatchNormFoldable"/>) for faster inference.</summary>
public static class BatchNormFolding
{
    /// <summary>Folds batch norms into convolutions in all blocks of <paramref name="model"/>; returns how many.</summary>
    /// <param name="dtype">The dtype of the folded weights; default each convolution's.</param>
    /// <param name="release">Free each block's unfolded weights as soon as it is folded (inference only; memory peaks at one block's weights above the model).</param>
    public static int Fold(nn.Module model, ScalarType? dtype = null, bool release = false)
    {
        var count = 0;
        foreach (var (_, m) in model.named_modules())
            if (m is IBatchNormFoldable f) { f.FoldBatchNorm(dtype, release); count++; }
        return count;
    }
}
