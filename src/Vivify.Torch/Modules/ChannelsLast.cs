using static TorchSharp.torch;

namespace Vivify.Torch.Modules;

/// <summary>
/// PyTorch's channels_last memory format for [N, C, H, W] tensors (TorchSharp has no memory_format argument):
/// the same shape and values, laid out as [N, H, W, C]. oneDNN convolutions take and give it as it is, where a
/// contiguous (NCHW) tensor is reordered to a blocked layout and back around every convolution; elementwise
/// steps, batch norm, pooling and concatenation keep it.
/// </summary>
public static class ChannelsLast
{
    /// <summary>Whether <paramref name="t"/> (4-D) is laid out channels last.</summary>
    public static bool Is(Tensor t) => t.dim() == 4 && PermutedContiguous(t);

    private static bool PermutedContiguous(Tensor t)
    {
        using var p = t.permute(0, 2, 3, 1);
        return p.is_contiguous();
    }

    /// <summary>A copy of <paramref name="t"/> laid out channels last, always a new tensor (also when <paramref name="t"/> already is).</summary>
    public static Tensor CopyOf(Tensor t)
    {
        if (t.dim() != 4) throw new ArgumentException($"channels last is for [N, C, H, W] tensors, got {t.dim()} dimensions", nameof(t));
        return PermutedContiguous(t) ? t.clone() : Of(t);
    }

    /// <summary><paramref name="t"/> laid out channels last: a new handle to it when it already is, else a copy.</summary>
    public static Tensor Of(Tensor t)
    {
        if (t.dim() != 4) throw new ArgumentException($"channels last is for [N, C, H, W] tensors, got {t.dim()} dimensions", nameof(t));
        if (PermutedContiguous(t)) return t.alias();
        using var nhwc = t.permute(0, 2, 3, 1).contiguous();
        return nhwc.permute(0, 3, 1, 2);
    }

    /// <summary>
    /// <paramref name="x"/> [N, C, H, W] (any layout) copied into zeros [N, <paramref name="height"/>, <paramref name="width"/>, C]
    /// (N, H, W, C in memory) at row 1 and column 1: padded by 1 before and the rest after, as a 3×3 convolution with
    /// padding 1 reads it.
    /// </summary>
    public static Tensor ZeroPadded(Tensor x, long height, long width)
    {
        long h = x.shape[2], w = x.shape[3];
        if (height < h + 2 || width < w + 2) throw new ArgumentException($"a [{height}, {width}] frame cannot hold a padded [{h}, {w}] image", nameof(height));
        var padded = zeros([x.shape[0], height, width, x.shape[1]], dtype: x.dtype, device: x.device);
        using var inner = padded.narrow(1, 1, h).narrow(2, 1, w);
        using var nhwc = x.permute(0, 2, 3, 1);
        inner.copy_(nhwc);
        return padded;
    }
}
