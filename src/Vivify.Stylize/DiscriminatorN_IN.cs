using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using LeakyReLU = Vivify.Torch.Modules.LeakyReLU;

namespace Vivify.Stylize;

/// <summary>
/// The published default patch discriminator (models.DiscriminatorN_IN): 4×4 convolutions with LeakyReLU(0.2),
/// instance norm (no affine, no running statistics, hence no state) after all but the first and last block.
/// Keys: net.conv0.conv.*, net.conv_1.conv.*, …, net.conv_out.conv.*.
/// </summary>
public sealed class DiscriminatorN_IN : nn.Module<Tensor, Tensor>
{
    private readonly Sequential net;

    public DiscriminatorN_IN(DiscriminatorConfig config) : this(config.NumFilters, config.InputChannels, config.NLayers) { }

    public DiscriminatorN_IN(int num_filters = 64, int input_channels = 3, int n_layers = 3, bool use_bias = true)
        : base(nameof(DiscriminatorN_IN))
    {
        const int k = 4, stride = 2, padding = 1;
        var blocks = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("conv0", Block(input_channels, num_filters, k, stride, padding, use_bias, norm: false, relu: true)),
        };
        int mult = 1, multPrev;
        for (var l = 1; l < n_layers; l++)
        {
            multPrev = mult;
            mult = Math.Min(1 << l, 8);
            blocks.Add(($"conv_{l}", Block(num_filters * multPrev, num_filters * mult, k, stride, padding, use_bias, norm: true, relu: true)));
        }
        multPrev = mult;
        mult = Math.Min(1 << n_layers, 8);
        blocks.Add(($"conv_{n_layers}", Block(num_filters * multPrev, num_filters * mult, k, 1, padding, use_bias, norm: true, relu: true)));
        blocks.Add(("conv_out", Block(num_filters * mult, 1, k, 1, padding, use_bias, norm: false, relu: false)));
        net = nn.Sequential(blocks);
        RegisterComponents();
    }

    /// <summary>The patch scores (the published forward also returns None as a second value).</summary>
    public override Tensor forward(Tensor x) => net.forward(x);

    private static Sequential Block(long inF, long outF, long k, long stride, long padding, bool bias, bool norm, bool relu)
    {
        var parts = new List<(string, nn.Module<Tensor, Tensor>)> { ("conv", nn.Conv2d(inF, outF, k, stride: stride, padding: padding, bias: bias)) };
        if (norm) parts.Add(("norm", nn.InstanceNorm2d(outF)));
        if (relu) parts.Add(("relu", new LeakyReLU(0.2, inplace: true)));
        return nn.Sequential(parts);
    }
}
