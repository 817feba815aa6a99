using TorchSharp;
using Vivify.Torch.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Heads;

/// <summary>
/// The generator's bottleneck residual block (Johnson et al. 2016's residual block with its instance norms made
/// adaptive, Zakharov et al. Sec. 3.2 and 4): x + AdaIN₂(conv3×3(ReLU(AdaIN₁(conv3×3(x))))). The four AdaIN
/// coefficient vectors (scale₁, bias₁, scale₂, bias₂, C each) come from a [B, 4C] slice of ψ̂.
/// </summary>
public sealed class ResBlockAdaIN : nn.Module<Tensor, Tensor, Tensor>
{
    public SpectralNormConv2d conv1;
    public SpectralNormConv2d conv2;

    private readonly long _channels;

    public ResBlockAdaIN(long channels) : base(nameof(ResBlockAdaIN))
    {
        _channels = channels;
        conv1 = new SpectralNormConv2d(channels, channels, 3, padding: 1);
        conv2 = new SpectralNormConv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>Entries of ψ̂ this block reads.</summary>
    public long PsiLength => 4 * _channels;

    public override Tensor forward(Tensor x, Tensor psi)
    {
        using var scope = NewDisposeScope();
        var (s1, b1) = AdaIN.Split(psi.narrow(1, 0, 2 * _channels), _channels);
        var (s2, b2) = AdaIN.Split(psi.narrow(1, 2 * _channels, 2 * _channels), _channels);
        var h = nn.functional.relu(AdaIN.Apply(conv1.call(x), s1, b1));
        h = AdaIN.Apply(conv2.call(h), s2, b2);
        return x.add(h, One).MoveToOuterDisposeScope();
    }
}
