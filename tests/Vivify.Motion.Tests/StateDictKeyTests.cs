using TorchSharp;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

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
