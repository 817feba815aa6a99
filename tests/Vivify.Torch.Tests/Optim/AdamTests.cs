using System.Globalization;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.Optim;
using Adam = Vivify.Torch.Optim.Adam;
using ParamGroup = Vivify.Torch.Optim.ParamGroup;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Optim;

/// <summary>Adam against torch.optim.Adam of the installed PyTorch (1.13), run by the test.</summary>
public class AdamTests
{
    private static readonly System.Buffers.SearchValues<char> NumberMarks = System.Buffers.SearchValues.Create(".eE");
    private const double Tol = 1e-6;
    private const int N = 6, K = 3;

    // Two groups: FOMM's settings (lr 1e-2 here, betas (0.5, 0.999)), and weight decay with amsgrad. Fixed
    // gradients for N steps; the state dict after K steps (tensors, and param_groups as JSON on stdout).
    private const string Script = """
        import sys, json
        out = sys.argv[1]
        N, K = 6, 3
        torch.manual_seed(5)
        p0 = [torch.randn(4, 3, 3, 3), torch.randn(4), torch.randn(5, 2), torch.randn(3)]
        grads = [[torch.randn_like(p) for p in p0] for _ in range(N)]
        params = [torch.nn.Parameter(p.clone()) for p in p0]
        opt = torch.optim.Adam([{'params': params[:2], 'lr': 1e-2, 'betas': (0.5, 0.999)},
                                {'params': params[2:], 'lr': 5e-3, 'weight_decay': 0.01, 'amsgrad': True}])
        t = {}
        for i, p in enumerate(p0): t['p0_%d' % i] = p
        groups = None
        for s in range(N):
            for i, p in enumerate(params):
                p.grad = grads[s][i].clone(); t['g%d_%d' % (s, i)] = grads[s][i]
            opt.step()
            if s == K - 1:
                sd = opt.state_dict()
                for i, st in sd['state'].items():
                    for k, v in st.items(): t['state.%d.%s' % (i, k)] = v.clone()  # state_dict() holds live references
                for i, p in enumerate(params): t['pk_%d' % i] = p.detach().clone()
                groups = sd['param_groups']
        for i, p in enumerate(params): t['pN_%d' % i] = p.detach().clone()
        save_tensors(out, t)
        print(json.dumps(groups))
        """;

    private sealed record PythonRun(Dictionary<string, Tensor> T, string GroupsJson);

    private static PythonRun RunPython()
    {
        var dir = TensorFiles.TempDir("adam");
        var json = Python.Run(TensorFiles.PythonHelpers + Script, dir).Trim();
        return new PythonRun(TensorFiles.Read(dir), json);
    }

    private static Parameter[] Params(PythonRun py, string prefix) =>
        Enumerable.Range(0, 4).Select(i => new Parameter(py.T[$"{prefix}_{i}"].clone())).ToArray();

    private static Adam MakeAdam(Parameter[] p) => new(new[]
    {
        new ParamGroup(p[..2], lr: 1e-2, betas: (0.5, 0.999)),
        new ParamGroup(p[2..], lr: 5e-3, weight_decay: 0.01, amsgrad: true),
    });

    // Gives each parameter exactly the gradient g (backward of sum(p * g)) and steps.
    private static void Step(Adam adam, Parameter[] p, PythonRun py, int s)
    {
        using var scope = NewDisposeScope();
        adam.zero_grad();
        var loss = zeros(1);
        for (int i = 0; i < p.Length; i++) loss = loss + (p[i] * py.T[$"g{s}_{i}"]).sum();
        loss.backward();
        adam.step();
    }

    [Fact]
    public void MatchesPyTorchAdamStepForStep()
    {
        using var scope = NewDisposeScope();
        var py = RunPython();
        var p = Params(py, "p0");
        using var adam = MakeAdam(p);
        for (int s = 0; s < N; s++)
        {
            Step(adam, p, py, s);
            if (s == K - 1)
            {
                for (int i = 0; i < 4; i++)
                {
                    TensorAssert.AllCloseAbs(py.T[$"pk_{i}"], p[i], Tol, $"param {i} after {K} steps");
                    var st = adam.StateOf(p[i])!;
                    Assert.Equal(py.T[$"state.{i}.step"].item<float>(), st.Step.item<float>());
                    TensorAssert.Equal(py.T[$"state.{i}.step"], st.Step, $"step {i}");
                    TensorAssert.AllCloseAbs(py.T[$"state.{i}.exp_avg"], st.ExpAvg, Tol, $"exp_avg {i}");
                    TensorAssert.AllCloseAbs(py.T[$"state.{i}.exp_avg_sq"], st.ExpAvgSq, Tol, $"exp_avg_sq {i}");
                    if (i >= 2) TensorAssert.AllCloseAbs(py.T[$"state.{i}.max_exp_avg_sq"], st.MaxExpAvgSq!, Tol, $"max_exp_avg_sq {i}");
                    else Assert.Null(st.MaxExpAvgSq);
                }
            }
        }
        for (int i = 0; i < 4; i++) TensorAssert.AllCloseAbs(py.T[$"pN_{i}"], p[i], Tol, $"param {i} after {N} steps");
    }

    [Fact]
    public void ExportedStateResumesExactlyLikeAnUninterruptedRun()
    {
        using var scope = NewDisposeScope();
        var py = RunPython();
        var straight = Params(py, "p0");
        using var adamStraight = MakeAdam(straight);
        var resumed = Params(py, "p0");
        using var adamFirst = MakeAdam(resumed);
        for (int s = 0; s < K; s++) { Step(adamStraight, straight, py, s); Step(adamFirst, resumed, py, s); }

        var saved = AdamStateDict.Save(adamFirst);
        var fresh = resumed.Select(q => new Parameter(q.detach().clone())).ToArray();
        using var adamSecond = MakeAdam(fresh);
        adamSecond.ParamGroups[0].Lr = 123; // overwritten by the state dict, as in PyTorch
        AdamStateDict.Load(adamSecond, saved, source: "mid.pth");
        Assert.Equal(1e-2, adamSecond.ParamGroups[0].Lr);

        for (int s = K; s < N; s++) { Step(adamStraight, straight, py, s); Step(adamSecond, fresh, py, s); }
        for (int i = 0; i < 4; i++) TensorAssert.Equal(straight[i].detach(), fresh[i].detach(), $"param {i}");
    }

    [Fact]
    public void PyTorchsStateDictResumesAndOursHasItsLayout()
    {
        using var scope = NewDisposeScope();
        var py = RunPython();
        var p = Params(py, "pk");
        using var adam = MakeAdam(p);
        AdamStateDict.Load(adam, PythonStateDict(py), source: "python");

        // Our state dict now says what PyTorch's said: same group keys, order and values.
        var ours = AdamStateDict.Save(adam);
        Assert.Equal(Canon(JsonSerializer.Deserialize<JsonElement>(py.GroupsJson)), Canon(ours["param_groups"]));
        var state = (PyDict)ours["state"]!;
        Assert.Equal(new object[] { 0L, 1L, 2L, 3L }, state.Keys);
        Assert.Equal(new object[] { "step", "exp_avg", "exp_avg_sq" }, ((PyDict)state[0L]!).Keys);
        Assert.Equal(new object[] { "step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq" }, ((PyDict)state[2L]!).Keys);
        var step = (Tensor)((PyDict)state[0L]!)["step"]!;
        Assert.Equal(float32, step.dtype);
        Assert.Equal(0, step.dim());
        Assert.Equal(K, step.item<float>());

        for (int s = K; s < N; s++) Step(adam, p, py, s);
        for (int i = 0; i < 4; i++) TensorAssert.AllCloseAbs(py.T[$"pN_{i}"], p[i], Tol, $"param {i} after resuming");
    }

    [Fact]
    public void LegacyIntegerStepLoads()
    {
        // Checkpoints from PyTorch before 1.12 (the published FOMM ones: 1.0) store step as an int.
        using var scope = NewDisposeScope();
        var p = new Parameter(ones(2));
        using var adam = new Adam(new[] { p }, lr: 2e-4, betas: (0.5, 0.999));
        var sd = new PyDict
        {
            { "state", new PyDict { { 0L, new PyDict { { "step", 40L }, { "exp_avg", ones(2, dtype: float64) }, { "exp_avg_sq", ones(2) } } } } },
            { "param_groups", new List<object?> { new PyDict { { "lr", 2e-4 }, { "betas", new PyTuple(0.5, 0.999) }, { "eps", 1e-8 }, { "weight_decay", 0L }, { "amsgrad", false }, { "params", new List<object?> { 0L } } } } },
        };
        AdamStateDict.Load(adam, sd);
        var st = adam.StateOf(p)!;
        Assert.Equal(40f, st.Step.item<float>());
        Assert.Equal(float32, st.ExpAvg.dtype); // cast to the parameter's dtype
        Assert.False(adam.ParamGroups[0].Maximize);
    }

    [Fact]
    public void StateDictsThatDoNotFitFailWithTheFileNamed()
    {
        using var scope = NewDisposeScope();
        var p = new Parameter(ones(2, 3));
        using var adam = new Adam(new[] { p });
        var twoGroups = new PyDict { { "state", new PyDict() }, { "param_groups", new List<object?> { new PyDict { { "params", new List<object?> { 0L } } }, new PyDict { { "params", new List<object?> { 1L } } } } } };
        Assert.Contains("ckpt.pth.tar has 2 parameter groups", Assert.Throws<ModelMismatchException>(() => AdamStateDict.Load(adam, twoGroups, "ckpt.pth.tar")).Message);

        var wrongShape = new PyDict
        {
            { "state", new PyDict { { 0L, new PyDict { { "step", tensor(1f) }, { "exp_avg", ones(3, 2) }, { "exp_avg_sq", ones(3, 2) } } } } },
            { "param_groups", new List<object?> { new PyDict { { "lr", 1e-3 }, { "params", new List<object?> { 0L } } } } },
        };
        var ex = Assert.Throws<ModelMismatchException>(() => AdamStateDict.Load(adam, wrongShape, "ckpt.pth.tar"));
        Assert.Contains("ckpt.pth.tar", ex.Message);
        Assert.Contains("[3,2]", ex.Message);
        Assert.Null(adam.StateOf(p));
    }

    [Fact]
    [Trait("Category", "Parity")]
    public void SavedLayoutMatchesTheFixtureCheckpoints()
    {
        // The fixture's optimizer state dicts (FOMM training, PyTorch's Adam): group keys in order, values,
        // state keys and the 0-d float32 step.
        using var scope = NewDisposeScope();
        var desc = Python.Run("""
            import sys, json, torch
            c = torch.load(sys.argv[1], map_location='cpu')
            o = c['optimizer_discriminator']
            g = dict(o['param_groups'][0]); g['params'] = len(g['params'])
            s = o['state'][0]
            print(json.dumps({'group': g, 'state': [[k, str(v.dtype), list(v.shape)] for k, v in s.items()]}))
            """, Fixtures.Path("fomm", "checkpoint-zip.pth.tar"));
        var fixture = JsonSerializer.Deserialize<JsonElement>(desc);

        var p = new Parameter(randn(16));
        using var adam = new Adam(new[] { p }, lr: 2e-4, betas: (0.5, 0.999));
        p.sum().backward();
        adam.step();
        var saved = AdamStateDict.Save(adam);
        var group = (PyDict)((List<object?>)saved["param_groups"]!)[0]!;
        var expectedGroup = fixture.GetProperty("group");
        Assert.Equal(expectedGroup.EnumerateObject().Select(o => o.Name), group.Keys.Cast<string>());
        group["params"] = 16L;
        Assert.Equal(Canon(expectedGroup), Canon(group));
        var state = (PyDict)((PyDict)saved["state"]!)[0L]!;
        Assert.Equal(fixture.GetProperty("state").EnumerateArray().Select(e => e[0].GetString()), state.Keys.Cast<string>());
        Assert.Equal("torch.float32", fixture.GetProperty("state")[0][1].GetString());
        Assert.Equal(0, fixture.GetProperty("state")[0][2].GetArrayLength());
        Assert.Equal(0, ((Tensor)state["step"]!).dim());
    }

    // PyTorch's state dict rebuilt in the checkpoint object model (what the checkpoint reader yields).
    private static PyDict PythonStateDict(PythonRun py)
    {
        var state = new PyDict();
        foreach (var (name, t) in py.T.Where(kv => kv.Key.StartsWith("state.", StringComparison.Ordinal)))
        {
            var parts = name.Split('.');
            var index = long.Parse(parts[1], CultureInfo.InvariantCulture);
            if (!state.TryGetValue(index, out var entry)) state[index] = entry = new PyDict();
            ((PyDict)entry!)[parts[2]] = t;
        }
        var groups = JsonSerializer.Deserialize<JsonElement>(py.GroupsJson).EnumerateArray().Select(g => (object?)ToPy(g)).ToList();
        return new PyDict { { "state", state }, { "param_groups", groups } };
    }

    private static object? ToPy(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().Aggregate(new PyDict(), (d, o) => { d[o.Name] = o.Name == "betas" ? new PyTuple(o.Value.EnumerateArray().Select(x => (object?)x.GetDouble()).ToArray()) : ToPy(o.Value); return d; }),
        JsonValueKind.Array => e.EnumerateArray().Select(ToPy).ToList(),
        JsonValueKind.Number => e.GetRawText().AsSpan().IndexOfAny(NumberMarks) < 0 ? e.GetInt64() : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => e.GetString(),
    };

    // A canonical text of param groups, telling ints from floats as Python does (weight_decay 0 vs 0.0),
    // for our PyDicts and for python's json.dumps output. Keys are sorted: PyTorch orders a group's keys by
    // what the caller passed first (the fixture test checks the order of the plain one-group case).
    private static string Canon(object? v) => v switch
    {
        PyDict d => "{" + string.Join(",", d.Select(kv => $"{kv.Key}:{Canon(kv.Value)}").Order(StringComparer.Ordinal)) + "}",
        PyTuple t => "[" + string.Join(",", t.Items.Select(Canon)) + "]",
        List<object?> l => "[" + string.Join(",", l.Select(Canon)) + "]",
        long n => "i" + n,
        double x => "f" + x.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        bool b => b ? "True" : "False",
        null => "None",
        _ => v.ToString()!,
    };

    private static string Canon(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", e.EnumerateObject().Select(o => $"{o.Name}:{Canon(o.Value)}").Order(StringComparer.Ordinal)) + "}",
        JsonValueKind.Array => "[" + string.Join(",", e.EnumerateArray().Select(Canon)) + "]",
        JsonValueKind.Number => e.GetRawText().AsSpan().IndexOfAny(NumberMarks) < 0 ? "i" + e.GetInt64()
            : "f" + e.GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        JsonValueKind.Null => "None",
        _ => e.GetString()!,
    };
}
