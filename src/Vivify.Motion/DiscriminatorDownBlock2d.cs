using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion;

/// <summary>
/// The discriminator's DownBlock2d (published discriminator.py, not util.py's): unpadded convolution
/// (spectral-normalised with sn), optional affine instance norm, leaky ReLU 0.2, optional 2×2 average pooling.
/// </summary>
public sealed class DiscriminatorDownBlock2d : nn.Module<Tensor, Tensor>
{
    internal readonly nn.Module<Tensor, Tensor> conv;
    internal readonly InstanceNorm2d? norm;
    private readonly bool pool;

    public DiscriminatorDownBlock2d(long in_features, long out_features, bool norm = false, long kernel_size = 4, bool pool = false, bool sn = false)
        : base("DownBlock2d")
    {
        conv = MakeConv(in_features, out_features, kernel_size, sn);
        if (norm) this.norm = nn.InstanceNorm2d(out_features, affine: true);
        this.pool = pool;
        RegisterComponents();
    }

    internal static nn.Module<Tensor, Tensor> MakeConv(long in_features, long out_features, long kernel_size, bool sn)
    {
        if (sn) return new Vivify.Torch.Modules.SpectralNormConv2d(in_features, out_features, kernel_size);
        return nn.Conv2d(in_features, out_features, kernel_size);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var @out = conv.forward(x);
        if (norm is not null) @out = norm.forward(@out);
        @out = @out.leaky_relu(S(0.2));
        if (pool) @out = nn.functional.avg_pool2d(@out, 2);
        return @out.MoveToOuterDisposeScope();
    }
}
