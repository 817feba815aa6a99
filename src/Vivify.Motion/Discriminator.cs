using TorchSharp;
using TorchSharp.Modules;
using Vivify.Motion.Blocks;
using static TorchSharp.torch;

namespace Vivify.Motion;

/// <summary>Pix2Pix-like discriminator of the published discriminator.py: feature maps of every block and a prediction map.</summary>
public sealed class Discriminator : nn.Module
{
    internal readonly ModuleList<DiscriminatorDownBlock2d> down_blocks;
    internal readonly nn.Module<Tensor, Tensor> conv;
    private readonly bool use_kp;
    private readonly double kp_variance;

    public Discriminator(long num_channels = 3, long block_expansion = 64, int num_blocks = 4, long max_features = 512,
        bool sn = false, bool use_kp = false, long num_kp = 10, double kp_variance = 0.01) : base(nameof(Discriminator))
    {
        down_blocks = new ModuleList<DiscriminatorDownBlock2d>();
        long last = 0;
        for (var i = 0; i < num_blocks; i++)
        {
            var inF = i == 0 ? num_channels + num_kp * (use_kp ? 1 : 0) : Math.Min(max_features, block_expansion * (1L << i));
            last = Math.Min(max_features, block_expansion * (1L << (i + 1)));
            down_blocks.Add(new DiscriminatorDownBlock2d(inF, last, norm: i != 0, kernel_size: 4, pool: i != num_blocks - 1, sn: sn));
        }
        conv = DiscriminatorDownBlock2d.MakeConv(last, 1, 1, sn);
        this.use_kp = use_kp;
        this.kp_variance = kp_variance;
        RegisterComponents();
    }

    /// <summary>Feature maps of each down block (the caller owns them) and the prediction map.</summary>
    public (List<Tensor> feature_maps, Tensor prediction_map) forward(Tensor x, Keypoints? kp = null)
    {
        using var scope = NewDisposeScope();
        var feature_maps = new List<Tensor>();
        var @out = x;
        if (use_kp)
        {
            if (kp is null) throw new ArgumentException("this discriminator uses keypoints (use_kp): pass them", nameof(kp));
            var heatmap = Kp2Gaussian.kp2gaussian(kp.value, x.shape[2], x.shape[3], kp_variance);
            @out = cat([@out, heatmap], dim: 1);
        }
        foreach (var down_block in down_blocks)
        {
            @out = down_block.forward(@out);
            feature_maps.Add(@out);
        }
        var prediction_map = conv.forward(@out);
        foreach (var f in feature_maps) f.MoveToOuterDisposeScope();
        return (feature_maps, prediction_map.MoveToOuterDisposeScope());
    }
}
