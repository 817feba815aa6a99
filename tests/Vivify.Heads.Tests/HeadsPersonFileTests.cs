using Vivify.TestSupport;
using Vivify.Torch.StateDicts;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Heads.Tests;

public class HeadsPersonFileTests
{
    private static HeadsPerson RandomPerson(HeadsModel model, bool withDiscriminator)
    {
        var psi = randn(1, model.Generator.PsiLength);
        var mean = FaceCrop.ToTensor(SyntheticLandmarks.Face(16, 17, 9, 11));
        return new HeadsPerson(model.Config, model.Generator, psi, mean)
        {
            Discriminator = withDiscriminator ? model.Discriminator : null,
            WPrime = withDiscriminator ? randn(1, model.Config.EmbeddingDim) : null,
            FaceDescriptor = randn(128),
            Metadata = new() { ["shots"] = 2L, ["photos"] = new List<object?> { "a.jpg", "b.jpg" }, ["l1_after"] = 0.25 },
        };
    }

    [Fact]
    public void SaveAndLoadGiveTheSamePerson()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(9);
        var dir = TensorFiles.TempDir("vivify-person");
        try
        {
            using var model = new HeadsModel(FineTunerTests.Micro, numVideos: 3);
            var person = RandomPerson(model, withDiscriminator: true);
            var path = Path.Combine(dir, "me.vhead");
            HeadsPersonFile.Save(path, person);
            Assert.Equal(["me.vhead"], Directory.GetFiles(dir).Select(Path.GetFileName));
            using var loaded = HeadsPersonFile.Load(path);
            Assert.Equal(person.Config, loaded.Config);
            TensorAssert.Equal(person.Psi, loaded.Psi, "psi");
            TensorAssert.Equal(person.MeanLandmarks, loaded.MeanLandmarks, "mean landmarks");
            TensorAssert.Equal(person.FaceDescriptor!, loaded.FaceDescriptor!, "face descriptor");
            TensorAssert.Equal(person.WPrime!, loaded.WPrime!, "w'");
            foreach (var (a, b) in new nn.Module[] { model.Generator, model.Discriminator }.Zip(new nn.Module[] { loaded.Generator, loaded.Discriminator! }))
            {
                var sa = StateDict.Of(a);
                var sb = StateDict.Of(b).ToDictionary(kv => kv.Key, kv => kv.Value);
                Assert.Equal(sa.Select(kv => kv.Key).Order(), sb.Keys.Order());
                foreach (var (k, v) in sa) TensorAssert.Equal(v, sb[k], k);
            }
            Assert.Equal(2L, loaded.Metadata["shots"]);
            Assert.Equal(0.25, loaded.Metadata["l1_after"]);
            Assert.Equal(new List<object?> { "a.jpg", "b.jpg" }, loaded.Metadata["photos"]);
            var y = FineTunerTests.Shots(2, 32).Landmarks;
            TensorAssert.Equal(person.Render(y), loaded.Render(y), "rendered frames");
            // torch.load reads it too (torch 1.13's weights_only unpickler knows no floats, so the full one).
            Assert.Contains("vivify-heads-person", Python.Run("import torch,sys; d=torch.load(sys.argv[1]); print(d['format'], tuple(d['psi'].shape))", path));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void WithoutTheDiscriminatorThePersonStillAnimates()
    {
        using var scope = NewDisposeScope();
        var dir = TensorFiles.TempDir("vivify-person");
        try
        {
            using var model = new HeadsModel(FineTunerTests.Micro, numVideos: 1);
            var path = Path.Combine(dir, "me.vhead");
            HeadsPersonFile.Save(path, RandomPerson(model, withDiscriminator: false));
            using var loaded = HeadsPersonFile.Load(path);
            Assert.Null(loaded.Discriminator);
            Assert.Null(loaded.WPrime);
            Assert.Equal([1L, 3, 32, 32], loaded.Render(zeros(1, 3, 32, 32)).shape);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void WrongFilesFailWithOneLine()
    {
        var dir = TensorFiles.TempDir("vivify-person");
        try
        {
            var missing = Path.Combine(dir, "nobody.vhead");
            var e1 = Assert.Throws<InvalidInputException>(() => HeadsPersonFile.Load(missing));
            Assert.Contains("no such person file", e1.Message);
            var text = Path.Combine(dir, "text.vhead");
            File.WriteAllText(text, "hello");
            var e2 = Assert.Throws<InvalidInputException>(() => HeadsPersonFile.Load(text));
            Assert.Contains("not a person file", e2.Message);
            var modelFile = Path.Combine(dir, HeadsCheckpoint.FileName);
            using (var model = new HeadsModel(FineTunerTests.Micro, numVideos: 1)) HeadsCheckpoint.Save(modelFile, model);
            var e3 = Assert.Throws<InvalidInputException>(() => HeadsPersonFile.Load(modelFile));
            Assert.Contains("not a person file", e3.Message);
            foreach (var e in new[] { e1, e2, e3 }) Assert.DoesNotContain('\n', e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
