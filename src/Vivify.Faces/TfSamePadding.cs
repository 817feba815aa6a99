using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// TensorFlow's <c>'same'</c> padding: the output has <c>ceil(n / stride)</c> positions and the padding that needs,
/// <c>max(0, (out - 1) * stride + k - n)</c>, is split with the smaller half before (top/left) and the larger after,
/// so a stride-2 convolution on an even size pads only at the bottom/right (PyTorch's symmetric padding differs).
/// </summary>
public static class TfSamePadding
{
    /// <summary>The padding of one dimension as (before, after).</summary>
    public static (long Before, long After) Of(long size, long kernel, long stride)
    {
        var outSize = (size + stride - 1) / stride;
        var total = Math.Max(0, (outSize - 1) * stride + kernel - size);
        return (total / 2, total - total / 2);
    }

    /// <summary>Zero-pads NCHW <paramref name="x"/> as TensorFlow does for a <paramref name="kernel"/>×<paramref name="kernel"/>
    /// window with <paramref name="stride"/>; returns <paramref name="x"/> itself when no padding is needed.</summary>
    public static Tensor Pad(Tensor x, long kernel, long stride)
    {
        var (top, bottom) = Of(x.shape[2], kernel, stride);
        var (left, right) = Of(x.shape[3], kernel, stride);
        if (top == 0 && bottom == 0 && left == 0 && right == 0) return x;
        return nn.functional.pad(x, [left, right, top, bottom]);
    }
}
