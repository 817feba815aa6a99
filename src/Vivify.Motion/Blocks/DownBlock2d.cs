using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Distributed;
using Vivify.Torch.Modules;
using static TorchSharp.torch;

namespace Vivify.Motion.Blocks;

/// <summary>Encoder block: convolution, batch norm, ReLU, 2×2 average pooling.</summary>
public sealed class DownBlock2d : nn.Module<Tensor, Tensor>, IBatchNormFoldable
{
    internal readonly Conv2d conv;
    internal readonly BatchNorm2d norm;
    private readonly long padding, groups;
    private FoldedConv? folded;
    internal readonly AvgPool2d pool;

    public DownBlock2d(long in_features, long out_features, long kernel_size = 3, long padding = 1, long groups = 1, Device? device = null) : base(nameof(DownBlock2d))
    {
        conv = nn.Conv2d(in_features, out_features, kernel_size, padding: padding, groups: groups, device: device);
        norm = nn.BatchNorm2d(out_features, affine: true, device: device);
        this.padding = padding;
        this.groups = groups;
        pool = nn.AvgPool2d(2);
        RegisterComponents();
    }

    public void FoldBatchNorm(ScalarType? dtype = null, bool release = false)
    {
        folded?.Dispose();
        folded = FoldedConv.From(conv, norm, padding, groups, dtype);
        if (release) FoldedConv.Release(conv, norm);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var @out = folded is not null && !training ? folded.forward(x) : SynchronizedBatchNorm.forward(norm, conv.forward(x));
        @out = Fresh.Relu(@out);
        @out = pool.forward(@out);
        return @out.MoveToOuterDisposeScope();
    }
}
