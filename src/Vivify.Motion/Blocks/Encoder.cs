using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.Motion.Blocks;

/// <summary>Hourglass encoder: the input followed by the output of each down block.</summary>
public sealed class Encoder : nn.Module<Tensor, List<Tensor>>
{
    internal readonly ModuleList<DownBlock2d> down_blocks;

    public Encoder(long block_expansion, long in_features, int num_blocks = 3, long max_features = 256, Device? device = null) : base(nameof(Encoder))
    {
        down_blocks = new ModuleList<DownBlock2d>();
        for (var i = 0; i < num_blocks; i++)
        {
            var inF = i == 0 ? in_features : Math.Min(max_features, block_expansion * (1L << i));
            var outF = Math.Min(max_features, block_expansion * (1L << (i + 1)));
            down_blocks.Add(new DownBlock2d(inF, outF, kernel_size: 3, padding: 1, device: device));
        }
        RegisterComponents();
    }

    /// <summary>Returns [x, d1, d2, …]; the caller owns every tensor but x.</summary>
    public override List<Tensor> forward(Tensor x)
    {
        var outs = new List<Tensor> { x };
        foreach (var down_block in down_blocks) outs.Add(down_block.forward(outs[^1]));
        return outs;
    }
}
