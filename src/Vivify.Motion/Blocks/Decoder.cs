using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.Motion.Blocks;

/// <summary>Hourglass decoder: up blocks, each followed by concatenation with the matching encoder output.</summary>
public sealed class Decoder : nn.Module<List<Tensor>, Tensor>
{
    internal readonly ModuleList<UpBlock2d> up_blocks;

    public Decoder(long block_expansion, long in_features, int num_blocks = 3, long max_features = 256, Device? device = null) : base(nameof(Decoder))
    {
        up_blocks = new ModuleList<UpBlock2d>();
        for (var i = num_blocks - 1; i >= 0; i--)
        {
            var in_filters = (i == num_blocks - 1 ? 1 : 2) * Math.Min(max_features, block_expansion * (1L << (i + 1)));
            var out_filters = Math.Min(max_features, block_expansion * (1L << i));
            up_blocks.Add(new UpBlock2d(in_filters, out_filters, kernel_size: 3, padding: 1, device: device));
        }
        out_filters = block_expansion + in_features;
        RegisterComponents();
    }

    public long out_filters { get; }

    /// <summary>Consumes the encoder outputs from the last one back (as the published code pops them).</summary>
    public override Tensor forward(List<Tensor> x)
    {
        using var scope = NewDisposeScope();
        var stack = new List<Tensor>(x);
        var @out = Pop(stack);
        foreach (var up_block in up_blocks)
        {
            @out = up_block.forward(@out);
            var skip = Pop(stack);
            @out = cat([@out, skip], dim: 1);
        }
        return @out.MoveToOuterDisposeScope();
    }

    private static Tensor Pop(List<Tensor> list)
    {
        var t = list[^1];
        list.RemoveAt(list.Count - 1);
        return t;
    }
}
