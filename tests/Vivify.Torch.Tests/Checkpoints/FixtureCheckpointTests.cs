using System.Globalization;
using TorchSharp;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Checkpoints;

/// <summary>The parity fixtures load, and agree with each other and with PyTorch.</summary>
[Trait("Category", "Parity")]
public class FixtureCheckpointTests
{
    private static readonly TorchLoadOptions StylizeModules = TorchLoadOptions.PickledModules("models.GeneratorJ", "models.UpsamplingLayer");

    [Fact]
    public void LegacyAndZipFommCheckpointsHoldTheSameLeaves()
    {
        using var scope = NewDisposeScope();
        var legacyRoot = TorchFile.Load(Fixtures.Path("fomm", "checkpoint-legacy.pth.tar"));
        var zipRoot = TorchFile.Load(Fixtures.Path("fomm", "checkpoint-zip.pth.tar"));
        var legacy = CheckpointTree.Flatten(legacyRoot);
        var zip = CheckpointTree.Flatten(zipRoot);

        Assert.Equal(zip.Select(kv => kv.Key), legacy.Select(kv => kv.Key));
        var tensors = 0;
        foreach (var (z, l) in zip.Zip(legacy))
        {
            if (z.Value is Tensor zt)
            {
                AssertExactlyEqual(zt, Assert.IsAssignableFrom<Tensor>(l.Value), z.Key);
                tensors++;
            }
            else Assert.Equal(z.Value, l.Value);
        }
        var root = Assert.IsType<PyDict>(zipRoot);
        Assert.Equal(new object[] { "generator", "kp_detector", "discriminator", "optimizer_generator", "optimizer_discriminator", "optimizer_kp_detector", "epoch" }, root.Keys);
        Assert.Equal(42L, root["epoch"]);
        Assert.Equal(42L, ((PyDict)legacyRoot!)["epoch"]);
        var keys = zip.Select(kv => kv.Key).ToHashSet();
        Assert.Contains("optimizer_generator.state.0.exp_avg", keys);
        Assert.Contains("optimizer_generator.state.0.exp_avg_sq", keys);
        Assert.Contains("optimizer_generator.param_groups.0.lr", keys);
        Assert.Equal(515, tensors);
        // The state dicts keep their _metadata attribute (module versions), as PyTorch does.
        Assert.NotNull(((PyDict)root["generator"]!).Attributes);
    }

    [Fact]
    public void FommCheckpointEqualsWhatPyTorchLoads()
    {
        using var scope = NewDisposeScope();
        var path = Fixtures.Path("fomm", "checkpoint-legacy.pth.tar");
        var ours = CheckpointTree.Flatten(TorchFile.Load(path));
        var expected = PythonLeaves(path, "");
        Assert.Equal(expected.Select(e => e.Key), ours.Select(kv => kv.Key));
        foreach (var (e, (key, value)) in expected.Zip(ours)) AssertLeaf(e, key, value);
    }

    [Fact]
    public void PickledStylizationModelHasTheGeneratorsStateDict()
    {
        using var scope = NewDisposeScope();
        var model = Assert.IsType<PyObject>(TorchFile.Load(Fixtures.Path("stylize", "model_00000.pth"), StylizeModules));
        Assert.Equal("models.GeneratorJ", model.FullName);
        var ours = ModuleState.FromPickledModule(model);
        var weights = Assert.IsType<PyDict>(TorchFile.Load(Fixtures.Path("stylize", "weights.pt")));
        var generator = Assert.IsType<PyDict>(weights["generator"]);

        Assert.Equal(generator.Keys, ours.Keys);
        Assert.Equal(109, ours.Count);
        Assert.Contains("resnets.0.normalization.num_batches_tracked", ours.Keys.Cast<string>());
        foreach (var (key, value) in generator)
        {
            var expected = (Tensor)value!;
            var actual = (Tensor)ours[key]!;
            var name = (string)key;
            Assert.True(expected.dtype == actual.dtype && expected.shape.SequenceEqual(actual.shape), name);
            // Parameters equal weights.pt exactly. The fixture's batch-norm statistics differ from
            // weights.pt (num_batches_tracked 7 vs 5 in PyTorch too), so buffers are checked against
            // PyTorch's own reading of model_00000.pth below.
            if (!IsBatchNormBuffer(name)) AssertExactlyEqual(expected, actual, name);
        }
        Assert.True(((Tensor)ours["conv0.conv.weight"]!).requires_grad);

        var buffers = PythonLeaves(Fixtures.Path("stylize", "model_00000.pth"), "state_dict");
        var bufferKeys = ours.Keys.Cast<string>().ToList();
        Assert.Equal(bufferKeys, buffers.Select(b => b.Key));
        foreach (var (e, key) in buffers.Zip(bufferKeys)) AssertLeaf(e, key, ours[key]);
    }

    [Fact]
    public void PickledModuleIsRefusedWithoutItsClassesAllowed()
    {
        var e = Assert.Throws<CheckpointGlobalRefusedException>(() => TorchFile.Load(Fixtures.Path("stylize", "model_00000.pth")));
        Assert.Equal("models.GeneratorJ", e.Global);
        Assert.Contains("model_00000.pth: refuses to load global 'models.GeneratorJ'", e.Message);
    }

    [Fact]
    public void ModuleStateRefusesAnObjectThatIsNotAModule()
    {
        var o = new PyObject("argparse", "Namespace") { State = new PyDict { ["lr"] = 0.1 } };
        var e = Assert.Throws<VivifyException>(() => ModuleState.FromPickledModule(o));
        Assert.Contains("'argparse.Namespace' is not a torch.nn.Module", e.Message);
    }

    [Fact]
    public void CaseFilesLoadWithTheirDocumentedShapes()
    {
        using var scope = NewDisposeScope();
        var animate = Leaves(TorchFile.Load(Fixtures.Path("fomm", "animate-case.pt")));
        Assert.Equal(new long[] { 1, 3, 64, 64 }, animate["source"].shape);
        Assert.Equal(new long[] { 4, 3, 64, 64 }, animate["driving"].shape);
        Assert.Equal(new long[] { 1, 10, 2 }, animate["kp_source.value"].shape);
        Assert.Equal(new long[] { 4, 10, 2, 2 }, animate["kp_driving.jacobian"].shape);
        Assert.Equal(new long[] { 4, 16, 16, 2 }, animate["absolute.deformation"].shape);
        Assert.Contains("kp_norm.relative_adapt.value", animate.Keys);
        var src = animate["source"];
        Assert.True(src.min().item<float>() >= 0f && src.max().item<float>() <= 1f);

        var train = Leaves(TorchFile.Load(Fixtures.Path("fomm", "train-case.pt")));
        Assert.Equal(new long[] { 2, 2, 3 }, train["transform.theta"].shape);
        // README says [1,25,2]; the file (and PyTorch reading it) has the 5×5 grid unflattened.
        Assert.Equal(new long[] { 1, 5, 5, 2 }, train["transform.control_points"].shape);
        Assert.Equal(new long[] { 2, 1, 25 }, train["transform.control_params"].shape);
        Assert.Equal(0, train["losses.perceptual"].dim());
        Assert.Contains(train.Keys, k => k.StartsWith("grads.discriminator.", StringComparison.Ordinal));

        var stylize = Leaves(TorchFile.Load(Fixtures.Path("stylize", "case.pt")));
        Assert.Equal(new long[] { 1, 3, 96, 128 }, stylize["frame"].shape);
        Assert.Equal(new long[] { 1, 3, 96, 128 }, stylize["full_output"].shape);
        Assert.Equal(new long[] { 4, 3, 32, 32 }, stylize["pre"].shape);
        Assert.Contains("losses.generator_total", stylize.Keys);
    }

    /// <summary>Same dtype, shape and every value (TensorAssert.Equal's value check needs a one-element tensor).</summary>
    internal static void AssertExactlyEqual(Tensor expected, Tensor actual, string what)
    {
        Assert.True(expected.dtype == actual.dtype, $"{what}: dtype {actual.dtype} != {expected.dtype}");
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.eq(actual).all().item<bool>(), $"{what}: values differ");
    }

    private static Dictionary<string, Tensor> Leaves(object? root) =>
        CheckpointTree.Tensors(root).ToDictionary(kv => kv.Key, kv => kv.Value);

    private static bool IsBatchNormBuffer(string key) =>
        key.EndsWith(".running_mean", StringComparison.Ordinal) || key.EndsWith(".running_var", StringComparison.Ordinal) ||
        key.EndsWith(".num_batches_tracked", StringComparison.Ordinal);

    /// <summary>One leaf as PyTorch reads it: dtype, shape, and every value (or the scalar's repr).</summary>
    internal sealed record PyLeaf(string Key, string Kind, long[] Shape, double[] Values, string Repr);

    private const string LeavesScript = """
import sys, types, torch
m = types.ModuleType('models')
class GeneratorJ(torch.nn.Module): pass
class UpsamplingLayer(torch.nn.Module): pass
m.GeneratorJ = GeneratorJ; m.UpsamplingLayer = UpsamplingLayer; sys.modules['models'] = m
obj = torch.load(sys.argv[1])
if sys.argv[2] == 'state_dict': obj = obj.state_dict()
def walk(o, key):
    if isinstance(o, dict): items = [(str(k), v) for k, v in o.items()]
    elif isinstance(o, (list, tuple)): items = [(str(i), v) for i, v in enumerate(o)]
    else:
        if isinstance(o, torch.Tensor):
            vals = ' '.join(repr(float(x)) for x in o.detach().double().flatten().tolist())
            print('T', key, str(o.dtype).replace('torch.', ''), ','.join(str(s) for s in o.shape), vals, sep='\t')
        else:
            print('S', key, type(o).__name__, '', repr(o), sep='\t')
        return
    for k, v in items: walk(v, k if key == '' else key + '.' + k)
walk(obj, '')
""";

    internal static List<PyLeaf> PythonLeaves(string path, string mode)
    {
        var lines = Python.Run(LeavesScript, path, mode).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Select(line =>
        {
            var f = line.Split('\t');
            var shape = f[3].Length == 0 ? Array.Empty<long>() : f[3].Split(',').Select(long.Parse).ToArray();
            var values = f[0] == "T" && f[4].Length > 0 ? f[4].Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray() : Array.Empty<double>();
            return new PyLeaf(f[1], f[0] == "T" ? f[2] : "scalar:" + f[2], shape, values, f[4]);
        }).ToList();
    }

    internal static void AssertLeaf(PyLeaf e, string key, object? value)
    {
        Assert.Equal(e.Key, key);
        if (!e.Kind.StartsWith("scalar:", StringComparison.Ordinal))
        {
            var t = Assert.IsAssignableFrom<Tensor>(value);
            Assert.Equal(e.Kind, t.dtype.ToString().ToLowerInvariant() switch { "float32" => "float32", "int64" => "int64", var s => s });
            Assert.Equal(e.Shape, t.shape);
            var actual = t.detach().to(float64).flatten().data<double>().ToArray();
            Assert.Equal(e.Values, actual); // exact: float32/int64 values are exact in float64
            return;
        }
        var repr = value switch
        {
            null => "None",
            bool b => b ? "True" : "False",
            long l => l.ToString(CultureInfo.InvariantCulture),
            double d => PythonFloat(d),
            string s => "'" + s + "'",
            _ => value.ToString(),
        };
        Assert.True(e.Repr == repr, $"{key}: PyTorch has {e.Repr}, Vivify has {repr}");
    }

    private static string PythonFloat(double d)
    {
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        if (r.Contains('E')) r = d.ToString("0.################E+00", CultureInfo.InvariantCulture);
        return r.Contains('.') || r.Contains('E') ? r.Replace("E-0", "e-0").Replace("E+", "e+").Replace("E-", "e-") : r + ".0";
    }
}
