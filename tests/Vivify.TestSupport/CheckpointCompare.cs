using System.Globalization;
using Vivify.Torch.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.TestSupport;

/// <summary>Two training runs' outputs compared: checkpoints tensor by tensor, log.csv files number by number.</summary>
public static class CheckpointCompare
{
    /// <summary>
    /// Two checkpoints within <paramref name="rtol"/>: every network tensor on its own; the optimizer states (top-level keys
    /// "optimizer…", "opt_…") per optimizer and kind as one vector (the moments of a gradient that is zero in exact arithmetic
    /// are rounding noise near 1e-16, which no relative comparison of its own can hold). Returns the largest relative
    /// difference and where.
    /// </summary>
    public static (double Rel, string Key) Within(string expectedPath, string actualPath, double rtol)
    {
        var expected = CheckpointTree.Tensors(TorchFile.Load(expectedPath)).ToDictionary();
        var actual = CheckpointTree.Tensors(TorchFile.Load(actualPath)).ToDictionary();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var worst = (Rel: 0.0, Key: "");
        void Check(string key, Tensor e, Tensor a)
        {
            TensorAssert.RelativeNorm(e, a, rtol, key);
            using var scope = NewDisposeScope();
            var (e64, a64) = (e.to(ScalarType.Float64), a.to(ScalarType.Float64));
            var rel = (e64 - a64).norm().item<double>() / Math.Max(e64.norm().item<double>(), 1e-30);
            if (rel > worst.Rel) worst = (rel, key);
        }
        var groups = new Dictionary<string, List<string>>();
        foreach (var (key, e) in expected)
        {
            if (!e.is_floating_point()) continue;
            if (!key.StartsWith("opt", StringComparison.Ordinal)) Check(key, e, actual[key]);
            else (groups.TryGetValue(Group(key), out var l) ? l : groups[Group(key)] = []).Add(key);
        }
        foreach (var (group, keys) in groups)
        {
            using var e = cat(keys.Select(k => expected[k].flatten()).ToList());
            using var a = cat(keys.Select(k => actual[k].flatten()).ToList());
            Check(group, e, a);
        }
        return worst;
    }

    /// <summary>Two CSV logs with the same header and rows, every number within <paramref name="rtol"/> relative.</summary>
    public static void Logs(string expectedPath, string actualPath, double rtol)
    {
        var e = File.ReadAllLines(expectedPath);
        var a = File.ReadAllLines(actualPath);
        Assert.Equal(e[0], a[0]);
        Assert.Equal(e.Length, a.Length);
        var columns = e[0].Split(',');
        for (var i = 1; i < e.Length; i++)
        {
            var (x, y) = (e[i].Split(','), a[i].Split(','));
            for (var c = 0; c < columns.Length; c++)
                TensorAssert.CloseRel(double.Parse(x[c], CultureInfo.InvariantCulture), double.Parse(y[c], CultureInfo.InvariantCulture), rtol, $"row {i} {columns[c]}");
        }
    }

    /// <summary>"optimizer_generator.state.3.exp_avg" → "optimizer_generator exp_avg".</summary>
    private static string Group(string key) => $"{key[..key.IndexOf('.', StringComparison.Ordinal)]} {key[(key.LastIndexOf('.') + 1)..]}";
}
