using TorchSharp;
using Vivify.Torch.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Heads;

/// <summary>
/// BigGAN's residual upsampling block (Brock et al. 2019, generator block) with its conditional batch norms
/// replaced by AdaIN (Zakharov et al. Sec. 4): main path AdaIN₁ → ReLU → 2× nearest upsampling → conv3×3 →
/// AdaIN₂ → ReLU → conv3×3; shortcut 2× nearest upsampling → conv1×1. Reads a [B, 2·in + 2·out] slice of ψ̂:
/// scale₁, bias₁ (in channels), scale₂, bias₂ (out channels).
/// </summary>
public sealed class ResBlockUp : nn.Module<Tensor, Tensor, Tensor>
{
    public SpectralNormConv2d conv1;
    public SpectralNormConv2d conv2;
    public SpectralNormConv2d conv_sc;

    private readonly long _in, _out;

    public ResBlockUp(long in_channels, long out_channels) : base(nameof(ResBlockUp))
    {
        _in = in_channels;
        _out = out_channels;
        conv1 = new SpectralNormConv2d(in_channels, out_channels, 3, padding: 1);
        conv2 = new SpectralNormConv2d(out_channels, out_channels, 3, padding: 1);
        conv_sc = new SpectralNormConv2d(in_channels, out_channels, 1);
        RegisterComponents();
    }

    public long PsiLength => 2 * _in + 2 * _out;

    public long OutChannels => _out;

    public override Tensor forward(Tensor x, Tensor psi)
    {
        using var scope = NewDisposeScope();
        var (s1, b1) = AdaIN.Split(psi.narrow(1, 0, 2 * _in), _in);
        var (s2, b2) = AdaIN.Split(psi.narrow(1, 2 * _in, 2 * _out), _out);
        var h = nn.functional.relu(AdaIN.Apply(x, s1, b1));
        h = conv1.call(Upsample(h));
        h = conv2.call(nn.functional.relu(AdaIN.Apply(h, s2, b2)));
        var skip = conv_sc.call(Upsample(x));
        return h.add(skip, One).MoveToOuterDisposeScope();
    }

    private static Tensor Upsample(Tensor x) => nn.functional.interpolate(x, scale_factor: [2.0, 2.0]);
}
