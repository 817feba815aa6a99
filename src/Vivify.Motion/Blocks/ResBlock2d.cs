using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Distributed;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Blocks;

/// <summary>Residual block that keeps the spatial size: x + conv2(relu(norm2(conv1(relu(norm1(x)))))).</summary>
public sealed class ResBlock2d : nn.Module<Tensor, Tensor>, IBatchNormFoldable
{
    internal readonly Conv2d conv1;
    internal readonly Conv2d conv2;
    internal readonly BatchNorm2d norm1;
    internal readonly BatchNorm2d norm2;
    private readonly ConvNorm convNorm1; // conv1 then norm2: norm1 precedes conv1 and is not folded

    public ResBlock2d(long in_features, long kernel_size, long padding, Device? device = null) : base(nameof(ResBlock2d))
    {
        conv1 = nn.Conv2d(in_features, in_features, kernel_size, padding: padding, device: device);
        conv2 = nn.Conv2d(in_features, in_features, kernel_size, padding: padding, device: device);
        norm1 = nn.BatchNorm2d(in_features, affine: true, device: device);
        norm2 = nn.BatchNorm2d(in_features, affine: true, device: device);
        convNorm1 = new ConvNorm(conv1, norm2, padding);
        RegisterComponents();
    }

    /// <summary>Folds norm2 into conv1 (norm1 precedes its convolution and stays).</summary>
    public void FoldBatchNorm(ScalarType? dtype = null, bool release = false) => convNorm1.Fold(dtype, release);

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var @out = SynchronizedBatchNorm.forward(norm1, x);
        @out = Fresh.Relu(@out);
        @out = convNorm1.forward(@out, training);
        @out = Fresh.Relu(@out);
        @out = conv2.forward(@out);
        @out = Fresh.Add(@out, x);
        return @out.MoveToOuterDisposeScope();
    }
}
