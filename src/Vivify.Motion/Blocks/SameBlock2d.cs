using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.Motion.Blocks;

/// <summary>Convolution, batch norm, ReLU at the same spatial size.</summary>
public sealed class SameBlock2d : nn.Module<Tensor, Tensor>
{
    internal readonly Conv2d conv;
    internal readonly BatchNorm2d norm;

    public SameBlock2d(long in_features, long out_features, long groups = 1, long kernel_size = 3, long padding = 1) : base(nameof(SameBlock2d))
    {
        conv = nn.Conv2d(in_features, out_features, kernel_size, padding: padding, groups: groups);
        norm = nn.BatchNorm2d(out_features, affine: true);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var @out = conv.forward(x);
        @out = norm.forward(@out);
        @out = nn.functional.relu(@out);
        return @out.MoveToOuterDisposeScope();
    }
}
