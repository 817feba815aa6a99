using TorchSharp;
using Vivify.Torch.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Heads;

/// <summary>
/// A residual block at constant resolution without normalisation: x + conv3×3(ReLU(conv3×3(ReLU(x)))).
/// The discriminator's "additional residual block at the end, which operates at 4×4 spatial resolution"
/// (Zakharov et al. Sec. 4).
/// </summary>
public sealed class ResBlock : nn.Module<Tensor, Tensor>
{
    public SpectralNormConv2d conv1;
    public SpectralNormConv2d conv2;

    public ResBlock(long channels) : base(nameof(ResBlock))
    {
        conv1 = new SpectralNormConv2d(channels, channels, 3, padding: 1);
        conv2 = new SpectralNormConv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = conv2.call(nn.functional.relu(conv1.call(nn.functional.relu(x))));
        return x.add(h, One).MoveToOuterDisposeScope();
    }
}
