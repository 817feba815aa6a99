using System.Globalization;
using TorchSharp;
using Vivify.Motion;
using Vivify.Torch.Checkpoints;
using Vivify.TestSupport;
using static TorchSharp.torch;

namespace Vivify.Cli.Tests;

/// <summary>
/// A small First Order Motion Model (64×64 frames, narrow layers) with random weights, written as a YAML
/// config and a checkpoint in the published layout ({generator, kp_detector, epoch}) for `vivify animate`.
/// </summary>
public static class TinyMotionModel
{
    public const int Size = 64;

    public static string Yaml(int blockExpansion = 8) => $$"""
        dataset_params:
          frame_shape: [{{Size}}, {{Size}}, 3]
        model_params:
          common_params: {num_kp: 10, num_channels: 3, estimate_jacobian: true}
          kp_detector_params: {temperature: 0.1, block_expansion: 8, max_features: 64, scale_factor: 0.25, num_blocks: 3}
          generator_params:
            block_expansion: {{blockExpansion.ToString(CultureInfo.InvariantCulture)}}
            max_features: 64
            num_down_blocks: 2
            num_bottleneck_blocks: 2
            estimate_occlusion_map: true
            dense_motion_params: {block_expansion: 8, max_features: 64, num_blocks: 3, scale_factor: 0.25}
          discriminator_params: {scales: [1], block_expansion: 8, max_features: 64, num_blocks: 4}
        """;

    public static string WriteConfig(string path, int blockExpansion = 8)
    {
        File.WriteAllText(path, Yaml(blockExpansion));
        return path;
    }

    /// <summary>Random models of the config (seeded); Jacobian head and batch-norm statistics made non-trivial.</summary>
    public static (KeypointDetector Kp, OcclusionAwareGenerator Generator) Models(string configPath, int seed)
    {
        var config = FommConfig.Load(configPath);
        random.manual_seed(seed);
        var kp = KeypointDetector.FromConfig(config.model_params);
        var generator = OcclusionAwareGenerator.FromConfig(config.model_params);
        using (no_grad())
        {
            var parameters = kp.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            parameters["jacobian.weight"].normal_(0, 0.05); // the untrained head gives identity Jacobians everywhere
            parameters["kp.weight"].mul_(20); // peaked heatmaps: keypoints that follow the picture, so motion shows
            generator.named_parameters().Single(p => p.name == "final.weight").parameter.mul_(20); // contrast in the output
            foreach (var (name, buffer) in generator.named_buffers().Concat(kp.named_buffers()))
            {
                if (name.EndsWith("running_mean", StringComparison.Ordinal)) buffer.uniform_(-0.1, 0.1);
                if (name.EndsWith("running_var", StringComparison.Ordinal)) buffer.uniform_(0.5, 1.5);
            }
        }
        kp.eval();
        generator.eval();
        return (kp, generator);
    }

    /// <summary>Writes the checkpoint; <paramref name="sections"/> chooses which state dicts it holds.</summary>
    public static string WriteCheckpoint(string path, string configPath, int seed = 7, params string[] sections)
    {
        if (sections.Length == 0) sections = ["generator", "kp_detector"];
        var (kp, generator) = Models(configPath, seed);
        using (kp)
        using (generator)
        {
            var checkpoint = new PyDict();
            foreach (var s in sections) checkpoint.Add(s, StateDict(s == "kp_detector" ? kp : generator));
            checkpoint.Add("epoch", 3L);
            TorchSave.Save(checkpoint, path);
        }
        return path;
    }

    private static PyDict StateDict(nn.Module m)
    {
        var d = new PyDict("collections.OrderedDict");
        foreach (var (k, v) in m.state_dict()) d.Add(k, v.detach().clone());
        return d;
    }

    /// <summary>The sample media placed by build/samples.sh (make setup).</summary>
    public static string Sample(string name)
    {
        var path = Path.Combine(Fixtures.RepoRoot, "data", "samples", name);
        if (!File.Exists(path)) throw new FileNotFoundException($"sample media {path} is missing: run `make setup` (build/samples.sh places it)");
        return path;
    }
}
