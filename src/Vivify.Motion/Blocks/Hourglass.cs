using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Motion.Blocks;

/// <summary>U-Net-like hourglass: <see cref="Encoder"/> then <see cref="Decoder"/>.</summary>
public sealed class Hourglass : nn.Module<Tensor, Tensor>
{
    internal readonly Encoder encoder;
    internal readonly Decoder decoder;

    public Hourglass(long block_expansion, long in_features, int num_blocks = 3, long max_features = 256, Device? device = null) : base(nameof(Hourglass))
    {
        encoder = new Encoder(block_expansion, in_features, num_blocks, max_features, device);
        decoder = new Decoder(block_expansion, in_features, num_blocks, max_features, device);
        RegisterComponents();
    }

    public long out_filters => decoder.out_filters;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return decoder.forward(encoder.forward(x)).MoveToOuterDisposeScope();
    }
}
