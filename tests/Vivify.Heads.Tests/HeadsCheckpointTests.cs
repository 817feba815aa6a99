using Vivify.Torch.Modules;
using Vivify.Torch.StateDicts;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Heads.Tests;

public class HeadsCheckpointTests
{
    [Fact]
    public void ConfigYamlReadsBackEqual()
    {
        var config = HeadsConfig.Tiny with { LearningRateEG = 1.25e-4, MatchWeight = 7.5 };
        Assert.Equal(config, HeadsConfig.Parse(HeadsCheckpoint.ConfigYaml(config)));
    }

    [Fact]
    public void SaveAndLoadRestoreModelsOptimizersAndIds()
    {
        using var scope = NewDisposeScope();
        var dir = Directory.CreateTempSubdirectory("vivify-heads-cpk").FullName;
        try
        {
            var path = Path.Combine(dir, HeadsCheckpoint.FileName);
            using var model = new HeadsModel(HeadsConfig.Tiny, 3, ["a#1", "a#2", "b#1"]) { Step = 17 };
            using var learner = new MetaLearner(model.Config, model.Embedder, model.Generator, model.Discriminator,
                new ContentLoss(model.Config, new Vgg19Features(), null));
            long k = model.Config.KShot;
            long s = model.Config.ImageSize;
            learner.Step(new Episode(rand(new[] { 2L, k, 3, s, s }), rand(new[] { 2L, k, 3, s, s }), rand(2, 3, s, s), rand(2, 3, s, s), tensor(new long[] { 0, 2 })));
            HeadsCheckpoint.Save(path, model, learner);

            using var loaded = HeadsCheckpoint.Load(path, out var raw);
            Assert.Equal(model.Config, loaded.Config);
            Assert.Equal(17, loaded.Step);
            Assert.Equal(["a#1", "a#2", "b#1"], loaded.VideoIds);
            foreach (var (a, b) in new (TorchSharp.torch.nn.Module, TorchSharp.torch.nn.Module)[]
                     { (model.Embedder, loaded.Embedder), (model.Generator, loaded.Generator), (model.Discriminator, loaded.Discriminator) })
            {
                var sa = StateDict.Of(a);
                var sb = StateDict.Of(b);
                Assert.Equal(sa.Select(kv => kv.Key), sb.Select(kv => kv.Key));
                for (int i = 0; i < sa.Count; i++) TensorAssert.Equal(sa[i].Value, sb[i].Value, sa[i].Key);
            }
            using var learner2 = new MetaLearner(loaded.Config, loaded.Embedder, loaded.Generator, loaded.Discriminator,
                new ContentLoss(loaded.Config, new Vgg19Features(), null));
            Assert.True(HeadsCheckpoint.LoadOptimizers(raw, learner2, path));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void ANonModelFileIsRefusedInOneLine()
    {
        var dir = Directory.CreateTempSubdirectory("vivify-heads-cpk").FullName;
        try
        {
            var path = Path.Combine(dir, "other.pth");
            Vivify.Torch.Checkpoints.TorchSave.Save(new Vivify.Torch.Checkpoints.PyDict { { "generator", 1L } }, path);
            var e = Assert.Throws<ModelMismatchException>(() => HeadsCheckpoint.Load(path));
            Assert.Contains("not a talking-head model", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            var missing = Assert.Throws<InvalidInputException>(() => HeadsCheckpoint.Load(Path.Combine(dir, "none.pth")));
            Assert.Contains("no such talking-head model", missing.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
