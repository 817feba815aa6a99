using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Heads;

/// <summary>
/// BigGAN's residual downsampling block (Brock et al. 2019, discriminator block), as Zakharov et al. use it in
/// E, V and G's downsampling part (Sec. 4): main path [norm] → ReLU → conv3×3 → [norm] → ReLU → conv3×3 →
/// 2×2 average pooling; shortcut conv1×1 → 2×2 average pooling. With <c>normalize</c> (the generator) the
/// norms are plain instance norms with learned affine parameters (BigGAN's batch norm replaced); E and V have
/// none. The first block of a network has no leading activation (<c>preactivation: false</c>), as in BigGAN.
/// </summary>
public sealed class ResBlockDown : nn.Module<Tensor, Tensor>
{
    public InstanceNorm2d? norm1;
    public SpectralNormConv2d conv1;
    public InstanceNorm2d? norm2;
    public SpectralNormConv2d conv2;
    public SpectralNormConv2d conv_sc;

    private readonly bool _preactivation;

    public ResBlockDown(long in_channels, long out_channels, bool normalize, bool preactivation = true) : base(nameof(ResBlockDown))
    {
        _preactivation = preactivation;
        if (normalize && preactivation) norm1 = nn.InstanceNorm2d(in_channels, affine: true);
        conv1 = new SpectralNormConv2d(in_channels, out_channels, 3, padding: 1);
        if (normalize) norm2 = nn.InstanceNorm2d(out_channels, affine: true);
        conv2 = new SpectralNormConv2d(out_channels, out_channels, 3, padding: 1);
        conv_sc = new SpectralNormConv2d(in_channels, out_channels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x;
        if (_preactivation)
        {
            if (norm1 is not null) h = norm1.call(h);
            h = nn.functional.relu(h);
        }
        h = conv1.call(h);
        if (norm2 is not null) h = norm2.call(h);
        h = conv2.call(nn.functional.relu(h));
        h = nn.functional.avg_pool2d(h, 2);
        var skip = nn.functional.avg_pool2d(conv_sc.call(x), 2);
        return h.add(skip, One).MoveToOuterDisposeScope();
    }
}
