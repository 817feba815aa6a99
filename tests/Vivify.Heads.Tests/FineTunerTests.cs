using TorchSharp;
using Vivify.Faces;
using Vivify.TestSupport;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vivify.Heads.Tests;

public class FineTunerTests
{
    private readonly ITestOutputHelper _output;
    public FineTunerTests(ITestOutputHelper output) => _output = output;

    /// <summary>The tiny configuration at 32×32 (as the meta-learning tests use it).</summary>
    internal static readonly HeadsConfig Micro = HeadsConfig.Tiny with { ImageSize = 32, AttentionDownResolution = 8, AttentionUpResolution = 16 };

    /// <summary>T shots: landmark images of synthetic faces and frames that are a smooth function of them (a face-like blob).</summary>
    internal static (Tensor Frames, Tensor Landmarks) Shots(int t, int size)
    {
        var frames = new List<Tensor>();
        var images = new List<Tensor>();
        for (int i = 0; i < t; i++)
        {
            var lm = SyntheticLandmarks.Face(size / 2.0 + i, size / 2.0, size * 0.3, size * 0.35, mouthOpen: 0.1 * i);
            using var points = FaceCrop.ToTensor(lm);
            var y = LandmarkRaster.Draw(points, size, size);
            images.Add(y);
            using var blur = nn.functional.avg_pool2d(y.unsqueeze(0), 3, stride: 1, padding: 1);
            frames.Add((0.3 + 0.6 * blur[0]).clamp(0, 1));
        }
        var result = (stack(frames), stack(images));
        foreach (var f in frames.Concat(images)) f.Dispose();
        return result;
    }

    [Fact]
    public void InitialisationIsPsiEqualsPEAndWEqualsW0PlusE()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        using var model = new HeadsModel(Micro, numVideos: 2);
        using (no_grad()) model.Discriminator.w0.normal_();   // w0 is zero after construction; make the sum tell
        var (x, y) = Shots(3, Micro.ImageSize);
        model.Embedder.eval();
        Tensor e;
        using (no_grad())
            e = model.Embedder.EmbedFrames(x, y).mean([0], keepdim: true);
        Tensor expectedPsi, expectedW;
        using (no_grad())
        {
            expectedPsi = e.matmul(model.Generator.P.t());
            expectedW = model.Discriminator.w0 + e;
        }
        using var tuner = new FineTuner(model, x, y, content: null);
        TensorAssert.Equal(e, tuner.EmbeddingNew, "ê_NEW");
        TensorAssert.Equal(expectedPsi, tuner.PsiPrime, "ψ' = P ê_NEW");
        TensorAssert.Equal(expectedW, tuner.WPrime, "w' = w0 + ê_NEW");
        Assert.True(tuner.PsiPrime.requires_grad && tuner.WPrime.requires_grad);
        // ψ' replaces P ê: the generator with ψ' is the meta-learned generator with ê_NEW.
        model.Generator.eval();
        // One landmark image, so that P ê is the same one-row product in both (a random untrained G amplifies the
        // last-bit differences of a batched product through near-constant instance-norm channels).
        var y0 = y.narrow(0, 0, 1);
        using (no_grad()) TensorAssert.Equal(model.Generator.call(y0, e), model.Generator.Synthesize(y0, tuner.PsiPrime), "G(y, ê) = G(y; ψ')");
    }

    [Fact]
    [Trait("Category", "Evidence")]
    public void FineTuningReducesTheLossOnTheShotsAndLeavesEmbedderPAndWAlone()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        using var model = new HeadsModel(Micro, numVideos: 2);
        var (x, y) = Shots(2, Micro.ImageSize);
        var p = model.Generator.P.detach().clone();
        var w = model.Discriminator.W.weight!.detach().clone();
        var w0 = model.Discriminator.w0.detach().clone();
        var embedder = model.Embedder.parameters().Select(t => t.detach().clone()).ToList();
        using var tuner = new FineTuner(model, x, y, content: null);   // pixel L1 as L_CNT: the cheapest step
        var psi0 = tuner.PsiPrime.detach().clone();
        var before = tuner.ReconstructionL1();
        var losses = Enumerable.Range(0, 6).Select(_ => tuner.Step()).ToList();
        var after = tuner.ReconstructionL1();
        foreach (var l in losses) _output.WriteLine($"G {l.Generator:F4} (cnt {l.Content:F5} adv {l.Adversarial:F4} fm {l.FeatureMatching:F4}) D {l.Discriminator:F4}");
        _output.WriteLine($"L1 on the shots {before:F4} -> {after:F4}");
        Assert.All(losses, l => Assert.True(double.IsFinite(l.Generator) && double.IsFinite(l.Discriminator)));
        Assert.True(after < before, $"L1 on the shots {before:F4} -> {after:F4}");
        // (The training-mode losses are not compared: spectral norm's power iteration moves σ between the first steps
        // of a fresh model more than 6 steps at the paper's learning rates move the weights; eval mode is what animate uses.)
        Assert.True((psi0 - tuner.PsiPrime).abs().max().item<float>() > 0, "ψ' is trained");
        TensorAssert.Equal(p, model.Generator.P, "P is not used");
        TensorAssert.Equal(w, model.Discriminator.W.weight!, "W is not used");
        TensorAssert.Equal(w0, model.Discriminator.w0, "w0 is replaced by w'");
        foreach (var (a, b) in embedder.Zip(model.Embedder.parameters())) TensorAssert.Equal(a, b, "embedder");
    }

    [Fact]
    public void StepsLeaveNoTensorBehind()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(6);
        using var model = new HeadsModel(Micro, numVideos: 1);
        var (x, y) = Shots(3, Micro.ImageSize);
        using var tuner = new FineTuner(model, x, y, content: null, batchSize: 2);
        for (int s = 0; s < 3; s++) tuner.Step();
        var baseline = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int s = 0; s < 5; s++) tuner.Step();
        Assert.Equal(baseline, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
