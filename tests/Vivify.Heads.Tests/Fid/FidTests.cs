using Vivify.Heads.Fid;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.StateDicts;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Heads.Tests;

/// <summary>
/// FidInceptionV3 and FrechetDistance against Fixtures/fid/case.pt (README there): pytorch-fid's forward with
/// torch-fidelity's TensorFlow-FID Inception blocks, on formula weights both sides compute.
/// </summary>
public sealed class FidTests : IDisposable
{
    private static readonly string Case = Path.Combine(Fixtures.RepoRoot, "tests", "Vivify.Heads.Tests", "Fixtures", "fid", "case.pt");
    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-fid-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PyDict Load() => (PyDict)TorchFile.Load(Case)!;

    /// <summary>make_case.py's formula: entry k holds a hash of (i, k), u = frac(43758.5453·sin(12.9898 i + 78.233 k)) in float64, scaled per kind, cast to float32.</summary>
    private static Tensor Formula(int k, string name, long[] shape)
    {
        using var scope = NewDisposeScope();
        var s = (arange(shape.Aggregate(1L, (a, b) => a * b), dtype: float64) * 12.9898 + 78.233 * k).sin() * 43758.5453;
        var u = s - s.floor();
        var v = (u - 0.5) * Math.Sqrt(12);
        var w = name switch
        {
            _ when name.EndsWith("conv.weight", StringComparison.Ordinal) => v * Math.Sqrt(2.0 / (shape[1] * shape[2] * shape[3])),
            _ when name.EndsWith("bn.weight", StringComparison.Ordinal) => 1 + 0.1 * v,
            _ when name.EndsWith("bn.bias", StringComparison.Ordinal) => 0.1 * v,
            _ when name.EndsWith("running_mean", StringComparison.Ordinal) => 0.05 * v,
            _ when name.EndsWith("running_var", StringComparison.Ordinal) => 1 + 0.2 * u,
            _ => throw new ArgumentException(name),
        };
        return w.to(float32).reshape(shape).MoveToOuterDisposeScope();
    }

    [Fact]
    public void PoolFeaturesMatchTheReferenceWithinOneInTenThousand()
    {
        using var scope = NewDisposeScope();
        var fixture = Load();
        var keys = ((List<object?>)fixture["keys"]!).Cast<string>().ToList();
        // The formula weights written as a state-dict file (with a classifier, as pytorch-fid's file has), read back by Load.
        using (var shapes = new FidInceptionV3())
        {
            var model = StateDict.Of(shapes).ToDictionary(kv => kv.Key, kv => kv.Value.shape);
            Assert.Equal(model.Keys.Where(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).Order(), keys.Order());
            var file = new PyDict("collections.OrderedDict");
            for (var k = 0; k < keys.Count; k++) file[keys[k]] = Formula(k, keys[k], model[keys[k]]);
            file["fc.weight"] = zeros(1008, 2048);
            file["fc.bias"] = zeros(1008);
            TorchSave.Save(file, Path.Combine(_dir, FidInceptionV3.WeightsFile));
        }
        using var net = FidInceptionV3.Load(Path.Combine(_dir, FidInceptionV3.WeightsFile));
        var images = (Tensor)fixture["images"]!;
        var expected = (Tensor)fixture["features"]!;
        var features = net.forward(images);
        Assert.Equal([3L, 2048], features.shape);
        // Not a degenerate case: the three images' features differ, and most are non-zero.
        Assert.True((expected[0] - expected[1]).abs().max().item<float>() > 0.02);
        Assert.True((expected > 0).to(float32).mean().item<float>() > 0.5);
        var error = (features - expected).abs().max().item<float>();
        Assert.True(error < 1e-4, $"max |Vivify − reference| = {error:E2} (features' mean magnitude {expected.abs().mean().item<float>():F4})");
    }

    [Fact]
    public void FrechetDistanceMatchesAnIndependentSquareRoot()
    {
        using var scope = NewDisposeScope();
        var fixture = Load();
        var f1 = (Tensor)fixture["f1"]!;
        var f2 = (Tensor)fixture["f2"]!;
        var expected = ((Tensor)fixture["fid"]!).item<double>();
        Assert.Equal(expected, FrechetDistance.Distance(f1, f2), 1e-9 * expected);
        Assert.Equal(0, FrechetDistance.Distance(f1, f1), 1e-9);
        // Two Gaussians with equal covariance: the distance is the squared distance of the means.
        var (m, s) = FrechetDistance.Statistics(f1);
        Assert.Equal(4.0, FrechetDistance.Distance(m, s, m + tensor(new[] { 2.0, 0, 0, 0, 0, 0 }), s), 1e-9);
        Assert.Throws<ArgumentException>(() => FrechetDistance.Statistics(f1[..1]));
    }

    [Fact]
    public void LoadRefusesAMissingFileAndAnotherNetworkInOneLine()
    {
        var missing = Assert.Throws<InvalidInputException>(() => FidInceptionV3.Load(Path.Combine(_dir, "none.pth")));
        Assert.Contains("none.pth: Inception weights not found", missing.Message);
        Assert.DoesNotContain("--", missing.Message); // a library message names no command-line option

        var other = Path.Combine(_dir, "vgg.pth");
        var dict = new PyDict("collections.OrderedDict");
        dict["features.0.weight"] = zeros(64, 3, 3, 3);
        TorchSave.Save(dict, other);
        var wrong = Assert.Throws<ModelMismatchException>(() => FidInceptionV3.Load(other));
        Assert.Contains("vgg.pth: not the FID Inception network", wrong.Message);
        Assert.DoesNotContain('\n', wrong.Message);
    }
}
