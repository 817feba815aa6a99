using TorchSharp;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

[Trait("Category", "Parity")]
public class StateDictKeyTests
{
    private static readonly string VoxAdv = System.IO.Path.Combine(Fixtures.RepoRoot, "configs", "vox-adv-256.yaml");

    /// <summary>(module, key) → (dtype, shape) of every row of fomm/vox-256-state-dict.tsv, in file order.</summary>
    private static List<(string Module, string Key, string Dtype, string Shape)> Published() =>
        File.ReadLines(Fixtures.Path("fomm", "vox-256-state-dict.tsv")).Skip(1)
            .Select(l => l.Split('\t')).Select(c => (c[0], c[1], c[2], c[3])).ToList();

    private static List<(string Key, string Dtype, string Shape)> Ours(nn.Module module) =>
        module.state_dict().Select(kv => (kv.Key, kv.Value.dtype switch
        {
            ScalarType.Float32 => "float32",
            ScalarType.Int64 => "int64",
            var other => other.ToString(),
        }, string.Join("x", kv.Value.shape))).ToList();

    [Theory]
    [InlineData("generator")]
    [InlineData("kp_detector")]
    [InlineData("discriminator")]
    public void Vox_adv_256_state_dict_keys_dtypes_and_shapes_equal_the_published_ones(string which)
    {
        var config = FommConfig.Load(VoxAdv);
        using nn.Module module = which switch
        {
            "generator" => OcclusionAwareGenerator.FromConfig(config.model_params),
            "kp_detector" => KeypointDetector.FromConfig(config.model_params),
            _ => MultiScaleDiscriminator.FromConfig(config.model_params),
        };
        var expected = Published().Where(r => r.Module == which).Select(r => (r.Key, r.Dtype, r.Shape)).ToList();
        var actual = Ours(module);
        Assert.NotEmpty(expected);
        var missing = expected.Select(e => e.Key).Except(actual.Select(a => a.Key)).ToList();
        var unexpected = actual.Select(a => a.Key).Except(expected.Select(e => e.Key)).ToList();
        Assert.True(missing.Count == 0 && unexpected.Count == 0,
            $"missing: {string.Join(", ", missing.Take(10))}; unexpected: {string.Join(", ", unexpected.Take(10))}");
        var byKey = actual.ToDictionary(a => a.Key);
        foreach (var e in expected)
            Assert.Equal(e, byKey[e.Key]);
        Assert.Equal(expected.Count, actual.Count);
    }
}

public class SpectralNormDiscriminatorTests
{
    [Fact]
    [Trait("Category", "Parity")]
    public void Tiny_discriminator_with_spectral_norm_has_the_published_keys()
    {
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        using var d = MultiScaleDiscriminator.FromConfig(config.model_params);
        var keys = d.state_dict().Keys.ToHashSet();
        foreach (var k in new[] { "discs.1.down_blocks.0.conv.weight_orig", "discs.1.down_blocks.0.conv.weight_u", "discs.1.down_blocks.0.conv.weight_v",
                     "discs.1.down_blocks.0.conv.bias", "discs.1.down_blocks.1.norm.weight", "discs.1.conv.weight_orig", "discs.1.conv.bias" })
            Assert.Contains(k, keys);
        Assert.DoesNotContain("discs.1.down_blocks.0.conv.weight", keys);
        Assert.DoesNotContain("discs.1.down_blocks.1.norm.running_mean", keys);
    }

    [Fact]
    public void Discriminator_returns_a_feature_map_per_block_and_a_prediction_map()
    {
        var c = FommConfig.Parse("model_params:\n  common_params: {num_kp: 4}\n  discriminator_params:\n    scales: [1]\n    block_expansion: 4\n    max_features: 16\n    num_blocks: 3\n    use_kp: true\n");
        using var d = MultiScaleDiscriminator.FromConfig(c.model_params);
        using var scope = NewDisposeScope();
        var kp = new Keypoints(rand(2, 4, 2) * 2 - 1, null);
        var outs = d.forward(new Dictionary<string, Tensor> { ["prediction_1"] = rand(2, 3, 64, 64) }, kp);
        var (features, prediction) = outs["1"];
        Assert.Equal(3, features.Count);
        Assert.Equal([2L, 8, 30, 30], features[0].shape);   // 64 - 3 = 61 → pool → 30
        Assert.Equal([2L, 16, 13, 13], features[1].shape);  // 30 - 3 = 27 → 13
        Assert.Equal([2L, 16, 10, 10], features[2].shape);  // 13 - 3, no pool in the last block
        Assert.Equal([2L, 1, 10, 10], prediction.shape);
    }
}
