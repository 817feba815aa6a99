using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.Torch.Modules;

/// <summary>
/// Convolutions that read the same input with the same kernel size, padding and stride (FOMM's keypoint and Jacobian
/// heads, its mask and occlusion heads) computed as one, for inference with fixed weights. oneDNN computes output
/// channels in groups of 16: a head of 1 or 10 channels costs what one of 16 does, so two heads together cost about
/// what one of them did (1.5 ms each a frame for vox-256's mask and occlusion in bf16 on a 2-core EPYC). Each output
/// channel is the same sum of the same products as its own convolution's. Held apart from the modules' parameters,
/// like <see cref="FoldedConv"/>: made from their weights as they are now.
/// </summary>
public sealed class MergedConv : IDisposable
{
    private readonly Tensor weight;
    private readonly Tensor bias;
    private readonly long[] outputs;
    private readonly long[] padding;
    private readonly long[] stride;

    private MergedConv(Tensor weight, Tensor bias, long[] outputs, long[] padding, long[] stride)
    {
        this.weight = weight;
        this.bias = bias;
        this.outputs = outputs;
        this.padding = padding;
        this.stride = stride;
        packed = new PrepackedWeight(weight, padding, stride);
    }

    /// <summary>The weight laid out once for oneDNN, where that serves (bf16 on the CPU).</summary>
    private readonly PrepackedWeight packed;

    /// <summary>
    /// The convolutions as one, or null where they do not fit together: weights on the meta device or of other dtypes,
    /// other kernel sizes or input channels, other padding, stride or dilation, groups, no bias.
    /// </summary>
    public static MergedConv? From(params Conv2d[] convs)
    {
        if (convs.Length == 0) return null;
        var first = convs[0];
        foreach (var c in convs)
            if (c.weight is not { } w || c.bias is null || w.device.type == DeviceType.META || w.dtype != first.weight!.dtype
                || !w.shape.Skip(1).SequenceEqual(first.weight.shape.Skip(1)) || c.groups != 1 || c.padding is null
                || !c.padding.SequenceEqual(first.padding ?? []) || !c.stride.SequenceEqual(first.stride)
                || c.dilation.Any(d => d != 1) || c.padding_mode != PaddingModes.Zeros)
                return null;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var weight = ChannelsLast.Of(cat(convs.Select(c => c.weight!).ToArray(), 0)).detach().MoveToOuterDisposeScope();
        var bias = cat(convs.Select(c => c.bias!).ToArray(), 0).detach().MoveToOuterDisposeScope();
        weight.DetachFromDisposeScope();
        bias.DetachFromDisposeScope();
        return new MergedConv(weight, bias, convs.Select(c => c.weight!.shape[0]).ToArray(), first.padding!, first.stride);
    }

    /// <summary>Each convolution's output, in the order given to <see cref="From"/>: views into one tensor.</summary>
    public Tensor[] forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var all = packed.conv2d(x, bias);
        var parts = new Tensor[outputs.Length];
        for (long i = 0, start = 0; i < outputs.Length; start += outputs[i], i++)
            parts[i] = all.narrow(1, start, outputs[i]).MoveToOuterDisposeScope();
        return parts;
    }

    public void Dispose()
    {
        packed.Dispose();
        weight.Dispose();
        bias.Dispose();
    }
}
