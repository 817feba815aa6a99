using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Modules;
using static TorchSharp.torch;

namespace Vivify.Motion.Blocks;

/// <summary>Decoder block: nearest 2× upsampling, convolution, batch norm, ReLU.</summary>
public sealed class UpBlock2d : nn.Module<Tensor, Tensor>, IBatchNormFoldable
{
    internal readonly Conv2d conv;
    internal readonly BatchNorm2d norm;
    private readonly ConvNorm convNorm;
    private UpsampledConv? upsampled;

    public UpBlock2d(long in_features, long out_features, long kernel_size = 3, long padding = 1, long groups = 1, Device? device = null) : base(nameof(UpBlock2d))
    {
        conv = nn.Conv2d(in_features, out_features, kernel_size, padding: padding, groups: groups, device: device);
        norm = nn.BatchNorm2d(out_features, affine: true, device: device);
        convNorm = new ConvNorm(conv, norm, padding, groups);
        RegisterComponents();
    }

    public void FoldBatchNorm(ScalarType? dtype = null, bool release = false)
    {
        upsampled?.Dispose();
        upsampled = null;
        convNorm.Fold(dtype, release);
    }

    /// <summary>
    /// Inference: the output as the shifted 2×2 blocks a following <see cref="SpaceToDepthConv"/> reads
    /// (<see cref="UpsampledConv.forward_blocks"/>), ReLU applied; null where this block does not compute by
    /// <see cref="UpsampledConv"/> (training, unfolded, small inputs), and the caller takes <see cref="forward"/>.
    /// </summary>
    public Tensor? forward_blocks(Tensor x)
    {
        if (training || convNorm.Folded is not { } folded || !UpsampledConv.Pays(x) || !UpsampledConv.Fits(folded)) return null;
        using var scope = NewDisposeScope();
        var blocks = (upsampled ??= UpsampledConv.From(folded)).forward_blocks(x);
        return Fresh.Relu(blocks).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor @out;
        if (convNorm.Folded is { } folded && !training && UpsampledConv.Pays(x) && UpsampledConv.Fits(folded))
            // The same upsampling and convolution, computed at the input's resolution; its weights are made at
            // first use, so blocks that only ever see small inputs do not hold them.
            @out = (upsampled ??= UpsampledConv.From(folded)).forward(x);
        else
        {
            @out = nn.functional.interpolate(x, scale_factor: [2.0, 2.0]);
            @out = convNorm.forward(@out, training);
        }
        @out = Fresh.Relu(@out);
        return @out.MoveToOuterDisposeScope();
    }
}
