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
}
