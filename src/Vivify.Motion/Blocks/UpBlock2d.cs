using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Distributed;
using Vivify.Torch.Modules;
using static TorchSharp.torch;

namespace Vivify.Motion.Blocks;

/// <summary>Decoder block: nearest 2× upsampling, convolution, batch norm, ReLU.</summary>
public sealed class UpBlock2d : nn.Module<Tensor, Tensor>, IBatchNormFoldable
{
    internal readonly Conv2d conv;
    internal readonly BatchNorm2d norm;
    private readonly long padding, groups;
    private FoldedConv? folded;
    private UpsampledConv? upsampled;

    public UpBlock2d(long in_features, long out_features, long kernel_size = 3, long padding = 1, long groups = 1, Device? device = null) : base(nameof(UpBlock2d))
    {
        conv = nn.Conv2d(in_features, out_features, kernel_size, padding: padding, groups: groups, device: device);
        norm = nn.BatchNorm2d(out_features, affine: true, device: device);
        this.padding = padding;
        this.groups = groups;
        RegisterComponents();
    }

    public void FoldBatchNorm(ScalarType? dtype = null, bool release = false)
    {
        folded?.Dispose();
        upsampled?.Dispose();
        upsampled = null;
        folded = FoldedConv.From(conv, norm, padding, groups, dtype);
        if (release) FoldedConv.Release(conv, norm);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor @out;
        if (folded is not null && !training && UpsampledConv.Pays(x) && UpsampledConv.Fits(folded))
            // The same upsampling and convolution, computed at the input's resolution; its weights are made at
            // first use, so blocks that only ever see small inputs do not hold them.
            @out = (upsampled ??= UpsampledConv.From(folded)).forward(x);
        else
        {
            @out = nn.functional.interpolate(x, scale_factor: [2.0, 2.0]);
            @out = folded is not null && !training ? folded.forward(@out) : SynchronizedBatchNorm.forward(norm, conv.forward(@out));
        }
        @out = Fresh.Relu(@out);
        return @out.MoveToOuterDisposeScope();
    }
}
