using Vivify.Torch.Modules;
using TorchSharp;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.StateDicts;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Heads.Tests;

public class LossTests
{
    [Fact]
    public void DiscriminatorHingeMatchesHandValues()
    {
        using var scope = NewDisposeScope();
        // real scores 2, 0.5 → max(0, 1 − r) = 0, 0.5 (mean 0.25); fake −3, 0 → max(0, 1 + r) = 0, 1 (mean 0.5)
        var loss = Losses.DiscriminatorHinge(tensor(new float[] { 2, 0.5f }), tensor(new float[] { -3, 0 }));
        Assert.Equal(0.75, loss.item<float>(), 6);
        Assert.Equal(-1.5, Losses.GeneratorAdversarial(tensor(new float[] { 1, 2 })).item<float>(), 6);
    }

    [Fact]
    public void FeatureMatchingSumsMeanAbsoluteDifferencesOverBlocksWithRealFeaturesConstant()
    {
        using var scope = NewDisposeScope();
        var real = new[] { tensor(new float[] { 1, 2, 3, 4 }).view(1, 4), ones(1, 2).requires_grad_(true) };
        var fake = new[] { tensor(new float[] { 1, 0, 3, 8 }).view(1, 4).requires_grad_(true), zeros(1, 2).requires_grad_(true) };
        var loss = Losses.FeatureMatching(real, fake);
        Assert.Equal((0 + 2 + 0 + 4) / 4.0 + 1.0, loss.item<float>(), 6);
        loss.backward();
        Assert.True(real[1].grad is null || real[1].grad!.IsInvalid, "no gradient reaches the real features");
        TensorAssert.AllCloseAbs(tensor(new float[] { 0, -0.25f, 0, 0.25f }).view(1, 4), fake[0].grad!, 1e-7, "d/d fake");
        Assert.Throws<ArgumentException>(() => Losses.FeatureMatching(real, fake.Take(1).ToList()));
    }

    [Fact]
    public void EmbeddingMatchIsTheMeanAbsoluteDifference()
    {
        using var scope = NewDisposeScope();
        var w = tensor(new float[] { 1, 1, 1, 1 }).view(2, 2);
        var e = tensor(new float[] { 0, 3, 1, 1.5f }).view(2, 2);
        Assert.Equal((1 + 2 + 0 + 0.5) / 4, Losses.EmbeddingMatch(w, e).item<float>(), 6);
    }

    [Fact]
    public void ContentDistanceSumsL1OverTheChosenLayersOnly()
    {
        using var scope = NewDisposeScope();
        // layers: 0 doubles, 1 adds one, 2 doubles; taps at 0 and 2
        nn.Module<Tensor, Tensor>[] net = [new Scale(2), new Shift(1), new Scale(2)];
        var real = tensor(new float[] { 0, 1 }).view(1, 2);
        var fake = tensor(new float[] { 1, 1 }).view(1, 2);
        // tap 0: |2·0 − 2·1| = 2, 0 → mean 1; tap 2: |2(0+1) − 2(2+1)| = 4, 0 → mean 2
        var d = ContentLoss.Distance(i => net[i], [0, 2], real, fake);
        Assert.Equal(3.0, d.item<float>(), 6);
    }

    [Fact]
    public void ContentDistanceGradientMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(7);
        using var conv1 = nn.Conv2d(3, 4, 3, padding: 1).to(float64);
        using var relu = nn.ReLU();
        using var conv2 = nn.Conv2d(4, 4, 3, padding: 1).to(float64);
        nn.Module<Tensor, Tensor>[] net = [conv1, relu, conv2];
        foreach (var p in net.SelectMany(m => m.parameters())) p.requires_grad = false;
        var real = randn(1, 3, 4, 4, dtype: float64);
        GradCheck.Check(t => ContentLoss.Distance(i => net[i], [1, 2], real, t[0]), [randn(1, 3, 4, 4, dtype: float64)], what: "L_CNT distance");
    }

    [Fact]
    public void ContentLossWithoutVggFaceSaysSoAndWeightsTheVgg19Term()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(8);
        var vgg = new Vgg19Features();
        var messages = new List<string>();
        using var loss = new ContentLoss(HeadsConfig.Tiny, vgg, null, messages.Add);
        Assert.False(loss.HasVggFace);
        Assert.Contains(messages, m => m.Contains("no VGG-Face weights") && m.Contains("only its VGG19 term") && !m.Contains("--"));
        var x = rand(1, 3, 32, 32);
        var xhat = rand(1, 3, 32, 32);
        Assert.Equal(0, loss.forward(x, x).item<float>());
        var mean = tensor(new float[] { 0.485f, 0.456f, 0.406f }).view(1, 3, 1, 1);
        var std = tensor(new float[] { 0.229f, 0.224f, 0.225f }).view(1, 3, 1, 1);
        var expected = 0.15 * ContentLoss.Distance(i => vgg[i], ContentLoss.Vgg19Layers, (x - mean) / std, (xhat - mean) / std).item<float>();
        Assert.Equal(expected, loss.forward(x, xhat).item<float>(), 5);
        Assert.All(vgg.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void VggFaceLoadsTorchvisionAndDagKeysAndAddsItsTerm()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(9);
        using var source = new VggFaceFeatures();
        var dir = Directory.CreateTempSubdirectory("heads-vggface");
        try
        {
            var dag = new PyDict("collections.OrderedDict");
            var names = new[] { "conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3", "conv4_1", "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3" };
            int index = 0, n = 0;
            foreach (var v in VggFaceFeatures.Layout)
            {
                if (v == 0) { index++; continue; }
                foreach (var kind in new[] { "weight", "bias" })
                    dag[$"{names[n]}.{kind}"] = StateDict.Of(source).Single(kv => kv.Key == $"features.{index}.{kind}").Value;
                index += 2;
                n++;
            }
            dag["fc6.weight"] = zeros(2, 2); // ignored
            var path = Path.Combine(dir.FullName, "vgg_face_dag.pth");
            TorchSave.Save(dag, path);
            using var loaded = VggFaceFeatures.Load(path);
            foreach (var (key, value) in StateDict.Of(source))
                TensorAssert.Equal(value, StateDict.Of(loaded).Single(kv => kv.Key == key).Value, key);

            var torchvisionPath = Path.Combine(dir.FullName, "vggface_features.pth");
            TorchSave.Save(StateDict.ToPyDict(source), torchvisionPath);
            using var loaded2 = VggFaceFeatures.Load(torchvisionPath);
            Assert.Equal(StateDict.Of(source).Count, StateDict.Of(loaded2).Count);

            var x = rand(1, 3, 32, 32);
            var xhat = rand(1, 3, 32, 32);
            var messages = new List<string>();
            using var withFace = new ContentLoss(new Vgg19Features(), loaded, 0, 1, messages.Add);
            Assert.Empty(messages);
            var mean = tensor(ContentLoss.VggFaceMean).view(1, 3, 1, 1);
            var expected = ContentLoss.Distance(i => source[i], ContentLoss.VggFaceLayers, x * 255 - mean, xhat * 255 - mean).item<float>();
            TensorAssert.CloseRel(expected, withFace.forward(x, xhat).item<float>(), 1e-5, "VGG-Face term");

            var missing = Path.Combine(dir.FullName, "missing.pth");
            var e = Assert.Throws<InvalidInputException>(() => VggFaceFeatures.Load(missing));
            Assert.StartsWith($"{missing}: VGG-Face weights not found; give", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        finally { dir.Delete(true); }
    }

    private sealed class Scale(double k) : nn.Module<Tensor, Tensor>("Scale")
    {
        public override Tensor forward(Tensor x) => x * k;
    }

    private sealed class Shift(double k) : nn.Module<Tensor, Tensor>("Shift")
    {
        public override Tensor forward(Tensor x) => x + k;
    }
}
