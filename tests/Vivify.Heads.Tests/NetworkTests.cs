using TorchSharp;
using Vivify.TestSupport;
using Vivify.Torch.StateDicts;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vivify.Heads.Tests;

public class NetworkTests
{
    private readonly ITestOutputHelper _output;
    public NetworkTests(ITestOutputHelper output) => _output = output;

    private static readonly HeadsConfig Tiny = HeadsConfig.Tiny;

    [Fact]
    public void EmbedderAveragesPerFrameEmbeddingsOverK()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        using var e = new Embedder(Tiny);
        Vivify.Torch.Modules.SpectralNorm.Settle(e);
        e.eval();
        var x = rand([2, 3, 3, 64, 64]);
        var y = rand([2, 3, 3, 64, 64]);
        var ehat = e.call(x, y);
        Assert.Equal([2L, Tiny.EmbeddingDim], ehat.shape);
        var perFrame = e.EmbedFrames(x.flatten(0, 1), y.flatten(0, 1)).view(2, 3, -1);
        TensorAssert.AllCloseAbs(perFrame.mean([1]), ehat, 1e-5, "mean over K");
        Assert.True(perFrame.min().item<float>() < 0, "no ReLU after the sum pooling: entries of ê may be negative");
        Assert.Throws<ArgumentException>(() => e.call(rand(2, 3, 64, 64), rand(2, 3, 64, 64)));
    }

    [Fact]
    public void GeneratorMakesFramesInUnitRangeFromLandmarksAndEmbedding()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(2);
        using var g = new Generator(Tiny);
        g.call(rand(2, 3, 64, 64), rand(2, Tiny.EmbeddingDim)); // training mode: spectral norm's power iteration finds σ
        g.eval();
        var y = rand(2, 3, 64, 64);
        var e = rand(2, Tiny.EmbeddingDim);
        var xhat = g.call(y, e);
        Assert.Equal([2L, 3, 64, 64], xhat.shape);
        Assert.True(xhat.min().item<float>() > 0 && xhat.max().item<float>() < 1, $"{xhat.min().item<float>()} {xhat.max().item<float>()}");
        // ψ̂ = P ê feeds every AdaIN: 1 res block at 16 channels (4·16) + ups 16→8 (2·16+2·8) and 8→8 (2·8+2·8) + output AdaIN (2·8)
        Assert.Equal(4 * 16 + (32 + 16) + (16 + 16) + 16, g.PsiLength);
        Assert.Equal([g.PsiLength, (long)Tiny.EmbeddingDim], g.P.shape);
        TensorAssert.AllCloseAbs(xhat, g.Synthesize(y, g.Psi(e)), 1e-6, "forward = Synthesize(P ê)");
        // a different person's embedding changes the frame
        Assert.True((g.call(y, e.flip(0)) - xhat).abs().max().item<float>() > 1e-4);
    }

    [Fact]
    public void DiscriminatorScoresWithPerVideoColumnsAndReturnsBlockFeatures()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        using var d = new Discriminator(Tiny, num_videos: 5);
        d.eval();
        using (no_grad()) { d.w0.normal_(); d.b.fill_(0.25); }
        var x = rand(2, 3, 64, 64);
        var y = rand(2, 3, 64, 64);
        var i = tensor(new long[] { 4, 1 });
        using var output = d.call(x, y, i);
        Assert.Equal([2L], output.Score.shape);
        Assert.Equal(Tiny.EncoderDownBlocks + 1, output.Features.Count);
        Assert.Equal([2L, Tiny.EmbeddingDim, 4, 4], output.Features[^1].shape);
        var w = d.W.weight!.index_select(0, i) + d.w0;
        var expected = (output.Phi * w).sum(1) + 0.25;
        TensorAssert.AllCloseAbs(expected, output.Score, 1e-5, "r = φᵀ(Wᵢ + w₀) + b");
    }

    [Fact]
    public void StateDictKeysAreSnakeCaseAsAPyTorchPortNamesThem()
    {
        using var e = new Embedder(Tiny);
        using var g = new Generator(Tiny);
        using var d = new Discriminator(Tiny, 3);
        var eKeys = StateDict.Of(e).Select(kv => kv.Key).ToList();
        var gKeys = StateDict.Of(g).Select(kv => kv.Key).ToList();
        var dKeys = StateDict.Of(d).Select(kv => kv.Key).ToList();
        Assert.Equal(["down.0.bias", "down.0.weight_orig", "down.0.weight_u", "down.0.weight_v"],
            eKeys.Where(k => k.StartsWith("down.0.conv1.", StringComparison.Ordinal)).Select(k => "down.0." + k[13..]));
        Assert.Contains("down.1.conv_sc.weight_orig", eKeys);
        Assert.Contains("attention.query_conv.weight_orig", eKeys);
        Assert.Contains("attention.gamma", eKeys);
        Assert.Contains("down.1.norm1.weight", gKeys);
        Assert.DoesNotContain("down.0.norm1.weight", gKeys); // first block: no pre-activation norm
        Assert.Contains("attention_down.value_conv.weight_v", gKeys);
        Assert.Contains("res.0.conv2.weight_orig", gKeys);
        Assert.Contains("up.1.conv_sc.bias", gKeys);
        Assert.Contains("attention_up.gamma", gKeys);
        Assert.Contains("conv_out.weight_orig", gKeys);
        Assert.Contains("P", gKeys);
        Assert.Contains("res.conv1.weight_orig", dKeys);
        Assert.Contains("W.weight", dKeys);
        Assert.DoesNotContain("W.weight_u", dKeys);
        Assert.Contains("w0", dKeys);
        Assert.Contains("b", dKeys);
        Assert.All(eKeys.Concat(gKeys).Concat(dKeys), k => Assert.DoesNotContain("..", k));
        Assert.DoesNotContain(gKeys, k => k.EndsWith(".weight", StringComparison.Ordinal) && k.Contains("conv")); // spectral norm everywhere
    }

    [Fact]
    public void SelfAttentionStartsAsIdentityAndMixesPositionsOnceGammaIsSet()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(4);
        using var a = new SelfAttention(16);
        a.eval();
        var x = randn(2, 16, 5, 5);
        TensorAssert.AllCloseAbs(x, a.call(x), 0, "γ = 0");
        using (no_grad()) a.gamma.fill_(1);
        a.train(); // converge the spectral norms' power iterations, so that the logits are of order one
        using (no_grad()) for (int i = 0; i < 30; i++) a.call(x);
        a.eval();
        var y = a.call(x);
        var x2 = x.clone();
        x2.narrow(0, 0, 1).narrow(2, 0, 1).narrow(3, 0, 1).add_(5); // one pixel of sample 0
        var y2 = a.call(x2);
        Tensor Far(Tensor t) => t.select(0, 0).select(1, 4).select(1, 4);
        var change = (Far(y2) - Far(y)).abs().max().item<float>();
        Assert.True(change > 1e-5, $"a far pixel sees the change ({change})");
        TensorAssert.AllCloseAbs(y[1], y2[1], 1e-6, "other samples untouched");
    }

    [Fact]
    public void AdaINNormalisesEachChannelThenAppliesOnePlusTheGivenScaleAndTheBias()
    {
        using var scope = NewDisposeScope();
        // one channel with values 1,2,3,4: mean 2.5, biased variance 1.25
        var x = tensor(new float[] { 1, 2, 3, 4 }).view(1, 1, 2, 2);
        var r = AdaIN.Apply(x, tensor(new float[] { 2 }).view(1, 1), tensor(new float[] { 10 }).view(1, 1));
        var s = Math.Sqrt(1.25 + AdaIN.Eps);
        var expected = tensor(new[] { 1, 2, 3, 4 }.Select(v => (float)((1 + 2) * (v - 2.5) / s + 10)).ToArray()).view(1, 1, 2, 2);
        TensorAssert.AllCloseAbs(expected, r, 1e-5, "AdaIN");
    }

    [Fact]
    public void AdaINGradientMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        GradCheck.Check(t => AdaIN.Apply(t[0], t[1], t[2]),
            [randn(2, 3, 3, 3, dtype: float64), randn(2, 3, dtype: float64), randn(2, 3, dtype: float64)], what: "AdaIN");
    }

    [Fact]
    public void ResidualBlocksChangeResolutionAndWidthAsNamed()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(6);
        using var down = new ResBlockDown(4, 8, normalize: true);
        using var up = new ResBlockUp(8, 4);
        using var adain = new ResBlockAdaIN(8);
        var x = randn(2, 4, 8, 8);
        var h = down.call(x);
        Assert.Equal([2L, 8, 4, 4], h.shape);
        Assert.Equal([2L, 8, 4, 4], adain.call(h, randn(2, adain.PsiLength)).shape);
        Assert.Equal([2L, 4, 8, 8], up.call(h, randn(2, up.PsiLength)).shape);
    }

    [Fact]
    public void PaperSizedNetworksHaveAboutThePapersParameterCounts()
    {
        // Sec. 4: "the embedder has 15 million parameters, the generator has 38 million parameters. The
        // convolutional part of the discriminator has 20 million parameters."
        var c = new HeadsConfig();
        long Count(nn.Module m) => m.parameters().Sum(p => p.numel());
        using var e = new Embedder(c);
        using var g = new Generator(c);
        using var d = new Discriminator(c, 1);
        long ne = Count(e), ng = Count(g), nd = Count(d) - d.W.weight!.numel() - d.w0.numel() - 1;
        _output.WriteLine($"E {ne / 1e6:F1} M, G {ng / 1e6:F1} M (P {g.P.numel() / 1e6:F1} M), V {nd / 1e6:F1} M parameters");
        Assert.InRange(ne / 1e6, 15 * 0.6, 15 * 1.4);
        Assert.InRange(ng / 1e6, 38 * 0.6, 38 * 1.4);
        Assert.InRange(nd / 1e6, 20 * 0.6, 20 * 1.4);
    }
}
