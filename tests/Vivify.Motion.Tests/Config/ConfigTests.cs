using Vivify.TestSupport;
using Xunit;

namespace Vivify.Motion.Tests;

public class ConfigTests
{
    [Fact]
    public void Tiny_yaml_reads_every_model_value()
    {
        var c = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        Assert.Equal([64, 64, 3], c.dataset_params.frame_shape);
        var p = c.model_params;
        Assert.Equal(10, p.common_params.num_kp);
        Assert.Equal(3, p.common_params.num_channels);
        Assert.True(p.common_params.estimate_jacobian);
        Assert.Equal(0.1, p.kp_detector_params.temperature);
        Assert.Equal(8, p.kp_detector_params.block_expansion);
        Assert.Equal(64, p.kp_detector_params.max_features);
        Assert.Equal(0.25, p.kp_detector_params.scale_factor);
        Assert.Equal(3, p.kp_detector_params.num_blocks);
        Assert.Equal(0, p.kp_detector_params.pad);
        Assert.Equal(2, p.generator_params.num_down_blocks);
        Assert.Equal(2, p.generator_params.num_bottleneck_blocks);
        Assert.True(p.generator_params.estimate_occlusion_map);
        Assert.NotNull(p.generator_params.dense_motion_params);
        Assert.Equal(0.25, p.generator_params.dense_motion_params!.scale_factor);
        Assert.Equal(0.01, p.generator_params.dense_motion_params.kp_variance);
        Assert.Equal(["1"], p.discriminator_params.scales);
        Assert.True(p.discriminator_params.sn);
        Assert.False(p.discriminator_params.use_kp);
        Assert.Equal([1.0, 0.5, 0.25], c.train_params!.scales);
        Assert.Equal(5, c.train_params.transform_params!.points_tps);
        Assert.Equal([10.0, 10, 10, 10, 10], c.train_params.loss_weights.perceptual);
    }

    [Fact]
    public void A_misspelt_model_key_names_the_file_and_the_key()
    {
        var yaml = "model_params:\n  common_params:\n    num_kps: 10\n";
        var e = Assert.Throws<ConfigurationException>(() => FommConfig.Parse(yaml, "my.yaml"));
        Assert.StartsWith("my.yaml:", e.Message);
        Assert.Contains("num_kps", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void Unknown_keys_anywhere_are_errors_at_their_line()
    {
        // No published configuration carries a key the reader does not know, so one it would ignore is a typo.
        var yaml = "dataset_params:\n  frame_shape: [128, 96, 3]\n  something_new: 1\nmodel_params:\n  common_params:\n    num_kp: 5\n";
        var e = Assert.Throws<ConfigurationException>(() => FommConfig.Parse(yaml, "c.yaml"));
        Assert.StartsWith("c.yaml: line 3: dataset_params.something_new: unknown key; expected one of ", e.Message);
        Assert.Contains("frame_shape", e.Message);
        Assert.Contains("line 6: logger_params: unknown key", Assert.Throws<ConfigurationException>(() => FommConfig.Parse(yaml.Replace("  something_new: 1\n", "") + "logger_params: {a: 1}\n", "c.yaml")).Message);
    }

    [Fact]
    public void A_config_without_model_params_or_a_missing_file_is_a_one_line_error()
    {
        Assert.Contains("model_params", Assert.Throws<ConfigurationException>(() => FommConfig.Parse("dataset_params: {}\n", "x.yaml")).Message);
        var missing = Assert.Throws<InvalidInputException>(() => FommConfig.Load("/nonexistent/c.yaml"));
        Assert.Equal("/nonexistent/c.yaml", missing.Path);
        Assert.StartsWith("/nonexistent/c.yaml: configuration file not found", missing.Message);
        Assert.DoesNotContain("--", missing.Message); // a library names no command-line option
        var bad = Assert.Throws<ConfigurationException>(() => FommConfig.Parse("model_params: [1, 2\n", "bad.yaml"));
        Assert.StartsWith("bad.yaml:", bad.Message);
        Assert.Equal("bad.yaml", bad.Path);
        Assert.NotNull(bad.Line);
    }

    [Fact]
    public void Discriminator_scales_name_the_modules_as_python_prints_them()
    {
        var c = FommConfig.Parse("model_params:\n  discriminator_params:\n    scales: [1, 0.5]\n    block_expansion: 4\n    max_features: 8\n    num_blocks: 2\n");
        using var d = MultiScaleDiscriminator.FromConfig(c.model_params);
        var keys = d.state_dict().Keys.ToList();
        Assert.Contains("discs.1.conv.weight", keys);
        Assert.Contains("discs.0-5.conv.weight", keys);
    }
}

/// <summary>Every published configuration (Vivify's copies of their model values in configs/) builds its models.</summary>
public class PublishedConfigTests
{
    public static TheoryData<string> Names() => new(["vox-256", "vox-adv-256", "taichi-256", "taichi-adv-256", "mgif-256", "fashion-256", "bair-256", "nemo-256"]);

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_published_configuration_reads_and_builds_its_networks(string name)
    {
        var path = System.IO.Path.Combine(Fixtures.RepoRoot, "configs", name + ".yaml");
        var config = FommConfig.Load(path);
        Assert.Equal(256, config.dataset_params.frame_shape[0]);
        using var kp = KeypointDetector.FromConfig(config.model_params);
        using var gen = OcclusionAwareGenerator.FromConfig(config.model_params);
        using var disc = MultiScaleDiscriminator.FromConfig(config.model_params);
        var kpKeys = kp.state_dict().Keys.ToList();
        Assert.Contains("predictor.encoder.down_blocks.0.conv.weight", kpKeys);
        Assert.Equal(config.model_params.common_params.estimate_jacobian, kpKeys.Contains("jacobian.weight"));
        Assert.Contains("dense_motion_network.hourglass.encoder.down_blocks.0.conv.weight", gen.state_dict().Keys);
    }
}
