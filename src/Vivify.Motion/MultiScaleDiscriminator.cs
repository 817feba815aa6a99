using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.Motion;

/// <summary>MultiScaleDiscriminator of the published discriminator.py: one <see cref="Discriminator"/> per scale, keyed "1", "0-5", ….</summary>
public sealed class MultiScaleDiscriminator : nn.Module
{
    internal readonly ModuleDict<Discriminator> discs;

    /// <param name="scales">Scales as Python prints them ("1", "0.5"); '.' becomes '-' in module names.</param>
    public MultiScaleDiscriminator(IEnumerable<string> scales, Func<Discriminator> make) : base(nameof(MultiScaleDiscriminator))
    {
        discs = new ModuleDict<Discriminator>();
        foreach (var scale in scales) discs.Add((scale.Replace('.', '-'), make()));
        RegisterComponents();
    }

    public static MultiScaleDiscriminator FromConfig(ModelParams p)
    {
        var d = p.discriminator_params;
        return new MultiScaleDiscriminator(d.scales, () => new Discriminator(p.common_params.num_channels, d.block_expansion,
            d.num_blocks, d.max_features, d.sn, d.use_kp, p.common_params.num_kp, d.kp_variance));
    }

    /// <summary>For each scale s, <paramref name="x"/>["prediction_" + s] → feature_maps_s and prediction_map_s.</summary>
    public Dictionary<string, (List<Tensor> feature_maps, Tensor prediction_map)> forward(IReadOnlyDictionary<string, Tensor> x, Keypoints? kp = null)
    {
        var result = new Dictionary<string, (List<Tensor>, Tensor)>();
        foreach (var (name, disc) in discs)
        {
            var scale = name.Replace('-', '.');
            result[scale] = disc.forward(x["prediction_" + scale], kp);
        }
        return result;
    }

}
