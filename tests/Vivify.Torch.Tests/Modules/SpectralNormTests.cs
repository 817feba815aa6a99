using TorchSharp;
using Vivify.TestSupport;
using Vivify.Torch.Modules;
using Vivify.Torch.StateDicts;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Modules;

/// <summary>Spectral norm against torch.nn.utils.spectral_norm of the installed PyTorch (1.13), run by the test.</summary>
public class SpectralNormTests
{
    private const double Tol = 1e-5; // float32 forward, u, v and gradients

    // Three train-mode forward passes, then one in eval mode. After each: output, u, v, and the gradient of
    // weight_orig (and bias) from backward of sum(output * r_i), gradients zeroed in between.
    private const string Script = """
        import sys
        from torch.nn.utils import spectral_norm
        kind, out = sys.argv[1], sys.argv[2]
        torch.manual_seed(7)
        if kind == 'conv':
            m = spectral_norm(torch.nn.Conv2d(3, 5, 3, stride=2, padding=1))
            xs = [torch.randn(2, 3, 7, 7) for _ in range(4)]
        elif kind == 'linear':
            m = spectral_norm(torch.nn.Linear(6, 4))
            xs = [torch.randn(3, 6) for _ in range(4)]
        else:
            m = spectral_norm(torch.nn.Embedding(5, 4))
            xs = [torch.tensor([[0, 3, 3], [4, 1, 0]]) for _ in range(4)]
        t = {'init.' + k: v.clone() for k, v in m.state_dict().items()}
        t['keys'] = torch.tensor([0])
        keys = list(m.state_dict().keys())
        for i, x in enumerate(xs):
            m.train(i < 3)
            y = m(x)
            r = torch.randn(y.shape)
            (y * r).sum().backward()
            t['x%d' % i] = x; t['r%d' % i] = r; t['y%d' % i] = y
            t['u%d' % i] = m.weight_u.clone(); t['v%d' % i] = m.weight_v.clone()
            t['g%d' % i] = m.weight_orig.grad.clone()
            if getattr(m, 'bias', None) is not None:
                t['gb%d' % i] = m.bias.grad.clone()
            m.zero_grad()
        del t['keys']
        save_tensors(out, t)
        print(' '.join(keys))
        """;

    [Theory]
    [InlineData("conv")]
    [InlineData("linear")]
    [InlineData("embedding")]
    public void MatchesPyTorchOverThreeTrainStepsAndOneEvalStep(string kind)
    {
        using var scope = NewDisposeScope();
        var dir = TensorFiles.TempDir("sn");
        var keys = Python.Run(TensorFiles.PythonHelpers + Script, kind, dir).Trim().Split(' ');
        var t = TensorFiles.Read(dir);

        nn.Module<Tensor, Tensor> m = kind switch
        {
            "conv" => new SpectralNormConv2d(3, 5, 3, stride: 2, padding: 1),
            "linear" => new SpectralNormLinear(6, 4),
            _ => new SpectralNormEmbedding(5, 4),
        };
        // Same key names and order as PyTorch (no plain 'weight').
        Assert.Equal(keys, StateDict.Of(m).Select(kv => kv.Key).ToArray());
        StateDict.Load(m, t.Where(kv => kv.Key.StartsWith("init.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["init.".Length..], kv => kv.Value), source: "python");

        var sd = StateDict.Of(m).ToDictionary(kv => kv.Key, kv => kv.Value);
        var weightOrig = (TorchSharp.Modules.Parameter)sd["weight_orig"];
        for (int i = 0; i < 4; i++)
        {
            m.train(i < 3);
            var y = m.call(t[$"x{i}"]);
            (y * t[$"r{i}"]).sum().backward();
            TensorAssert.AllCloseAbs(t[$"y{i}"], y, Tol, $"{kind} output {i}");
            TensorAssert.AllCloseAbs(t[$"u{i}"], sd["weight_u"], Tol, $"{kind} weight_u after {i}");
            TensorAssert.AllCloseAbs(t[$"v{i}"], sd["weight_v"], Tol, $"{kind} weight_v after {i}");
            TensorAssert.AllCloseAbs(t[$"g{i}"], weightOrig.grad!, Tol, $"{kind} grad weight_orig {i}");
            if (t.TryGetValue($"gb{i}", out var gb)) TensorAssert.AllCloseAbs(gb, ((TorchSharp.Modules.Parameter)sd["bias"]).grad!, Tol, $"{kind} grad bias {i}");
            foreach (var p in m.parameters()) p.grad?.zero_();
        }
    }

    [Fact]
    public void EvalModeLeavesUAndVAlone()
    {
        using var scope = NewDisposeScope();
        var m = new SpectralNormConv2d(2, 3, 3);
        m.eval();
        var u = m.weight_u.clone();
        var v = m.weight_v.clone();
        m.call(randn(1, 2, 5, 5));
        TensorAssert.Equal(u, m.weight_u, "u");
        TensorAssert.Equal(v, m.weight_v, "v");
        m.train();
        m.call(randn(1, 2, 5, 5));
        Assert.False(u.eq(m.weight_u).all().item<bool>(), "train mode must run a power iteration");
    }

    [Fact]
    public void SigmaOfTheNormalisedWeightIsOneAfterConvergence()
    {
        // After enough power iterations u, v are the top singular vectors: the normalised weight's largest
        // singular value is 1. The weight has singular values 3, 1.5, 1, 0.5, 0.2 (a gap of 2, so 50
        // iterations leave an error far below the tolerance).
        using var scope = NewDisposeScope();
        var m = new SpectralNormLinear(7, 5);
        var (q5, _) = linalg.qr(sin(arange(25, dtype: float64).reshape(5, 5) * 1.3 + 0.2));
        var (q7, _) = linalg.qr(cos(arange(49, dtype: float64).reshape(7, 7) * 0.7 + 0.1));
        var s = zeros(new long[] { 5, 7 }, float64);
        var sv = new[] { 3.0, 1.5, 1.0, 0.5, 0.2 };
        for (int i = 0; i < 5; i++) s[i, i] = sv[i];
        using (no_grad()) m.weight_orig.copy_(q5.matmul(s).matmul(q7.t()));
        m.train();
        for (int i = 0; i < 50; i++) m.call(zeros(1, 7));
        using var _ = no_grad();
        var w = m.ComputeWeight(doPowerIteration: false);
        var top = linalg.svdvals(w.to(float64));
        Assert.InRange(top[0].item<double>(), 1 - 1e-5, 1 + 1e-5);
        Assert.InRange(top[1].item<double>(), 0.5 - 1e-5, 0.5 + 1e-5);
    }

    [Fact]
    public void ConvTransposeDimOneMatchesPyTorch()
    {
        // dim=1 (what spectral_norm uses for ConvTranspose): weight [in, out, k, k] as an [out, in*k*k] matrix.
        using var scope = NewDisposeScope();
        var dir = TensorFiles.TempDir("sn-t");
        Python.Run(TensorFiles.PythonHelpers + """
            import sys
            from torch.nn.utils import spectral_norm
            torch.manual_seed(3)
            m = spectral_norm(torch.nn.ConvTranspose2d(3, 4, 3))
            t = {'w': m.weight_orig.detach().clone(), 'u': m.weight_u.clone(), 'v': m.weight_v.clone()}
            m.train(); m(torch.randn(1, 3, 4, 4))
            t.update({'w_sn': m.weight.detach().clone(), 'u1': m.weight_u.clone(), 'v1': m.weight_v.clone()})
            save_tensors(sys.argv[1], t)
            """, dir);
        var t = TensorFiles.Read(dir);
        var (u, v) = (t["u"].clone(), t["v"].clone());
        var w = SpectralNorm.ComputeWeight(t["w"], u, v, dim: 1, doPowerIteration: true);
        TensorAssert.AllCloseAbs(t["w_sn"], w, Tol, "normalised weight");
        TensorAssert.AllCloseAbs(t["u1"], u, Tol, "u");
        TensorAssert.AllCloseAbs(t["v1"], v, Tol, "v");
    }

    [Fact]
    public void WeightComputationGradChecksInFloat64()
    {
        // d(weight_orig / sigma(weight_orig; u, v)) with u, v fixed, for dim 0 and dim 1.
        using var scope = NewDisposeScope();
        var gen = new Generator(11);
        var w = randn(new long[] { 4, 3, 2, 2 }, float64, generator: gen);
        foreach (var dim in new long[] { 0, 1 })
        {
            var mat = SpectralNorm.ReshapeWeightToMatrix(w, dim);
            var u = SpectralNorm.Normalize(randn(new[] { mat.shape[0] }, float64, generator: gen));
            var v = SpectralNorm.Normalize(randn(new[] { mat.shape[1] }, float64, generator: gen));
            GradCheck.Check(x => SpectralNorm.ComputeWeight(x[0], u, v, dim, doPowerIteration: false), new[] { w },
                what: $"spectral-norm weight (dim {dim})");
        }
    }

    [Fact]
    public void ModulesGradCheckInFloat64()
    {
        // The modules' whole forward in eval mode (no power iteration, so the function is fixed) with
        // respect to the input and every parameter.
        using var scope = NewDisposeScope();
        var conv = new SpectralNormConv2d(2, 3, 3, stride: 2, padding: 1);
        conv.to(float64).eval();
        Assert.Equal(float64, conv.weight_orig.dtype);
        var x = randn(new long[] { 1, 2, 5, 5 }, float64).requires_grad_(true);
        GradCheck.CheckLeaves(() => conv.call(x), new Tensor[] { x, conv.weight_orig, conv.bias! }, what: "SpectralNormConv2d");

        var lin = new SpectralNormLinear(4, 3);
        lin.to(float64).eval();
        var xl = randn(new long[] { 2, 4 }, float64).requires_grad_(true);
        GradCheck.CheckLeaves(() => lin.call(xl), new Tensor[] { xl, lin.weight_orig, lin.bias! }, what: "SpectralNormLinear");

        var emb = new SpectralNormEmbedding(4, 3);
        emb.to(float64).eval();
        var idx = tensor(new long[] { 0, 2, 2, 3 }).reshape(2, 2);
        GradCheck.CheckLeaves(() => emb.call(idx), new Tensor[] { emb.weight_orig }, what: "SpectralNormEmbedding");
    }
}
