using Vivify.Torch.Modules;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Stylize.Tests;

public sealed class StylizeCheckpointTests
{
    /// <summary>
    /// model_00000.pth holds weights.pt's generator parameters, but its batch-norm statistics are those after the two
    /// train-mode generator calls of case.pt (discriminator step, generator step): num_batches_tracked 5 → 7, and 5 → 9
    /// for conv2, whose published forward runs twice. Vivify reproduces that state from weights.pt and must then give
    /// the pickled model's statistics and the same full-frame output.
    /// </summary>
    [Fact]
    [Trait("Category", "Parity")]
    public void PublishedPickledModelLoadsAndMatchesWeightsAfterTheCaseSteps()
    {
        using var loaded = StylizeCheckpoints.LoadGenerator(Fixtures.Path("stylize", "model_00000.pth"));
        Assert.Equal(7, loaded.ResnetBlocks);
        var weights = FixtureTensors.Load("stylize", "weights.pt");
        var c = FixtureTensors.Load("stylize", "case.pt");

        using var replayed = new GeneratorJ(StylizeConfig.Load(Fixtures.Path("stylize", "reference_P.yaml")).Generator.Args);
        FixtureTensors.LoadInto(replayed, weights, "generator");
        replayed.train();
        using (no_grad())
            for (var call = 0; call < 2; call++) replayed.forward(c["pre"]).Dispose();

        var expected = replayed.state_dict();
        var actual = loaded.state_dict();
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (key, value) in actual)
        {
            if (value.dtype == int64) Assert.Equal(expected[key].item<long>(), value.item<long>());
            else if (key.Contains("running_")) TensorAssert.AllCloseAbs(expected[key], value, 1e-5, key);
            else TensorAssert.AllCloseAbs(weights["generator." + key], value, 0.0, key);
        }
        Assert.Equal(9, actual["conv2.normalization.num_batches_tracked"].item<long>());

        using var fromFile = FullFrame.Stylize(loaded, c["frame"]);
        using var fromReplay = FullFrame.Stylize(replayed, c["frame"]);
        TensorAssert.AllCloseAbs(fromReplay, fromFile, 1e-4, "full frame of model_00000.pth");
    }

    [Fact]
    public void InferredArchitectureMatchesReferenceP()
    {
        var state = StylizeCheckpoints.GeneratorStateDict(Fixtures.Path("stylize", "weights.pt"));
        var config = StylizeCheckpoints.InferGeneratorConfig(state);
        Assert.Equal([32, 64, 128, 128, 128, 64], config.Filters);
        Assert.True(config.UseBias && config.Tanh && config.AppendSmoothers);
        Assert.Equal((7, 3), (config.ResnetBlocks, config.InputChannels));
    }

    [Fact]
    public void FilesThatAreNotAGeneratorAreRefused()
    {
        var e = Assert.Throws<InvalidInputException>(() => StylizeCheckpoints.LoadGenerator(Fixtures.Path("stylize", "case.pt")));
        Assert.Contains("case.pt", e.Message);
        Assert.Throws<InvalidInputException>(() => StylizeCheckpoints.LoadGenerator(Fixtures.Path("stylize", "no-such-model.pth")));
    }

    [Fact]
    public void Vgg19LoadsFromATorchvisionLayoutStateDict()
    {
        // A torchvision-shaped file (features.* plus a classifier) written by Vivify's own test helper via python3-torch.
        var dir = Directory.CreateTempSubdirectory("vivify-vgg").FullName;
        try
        {
            var path = System.IO.Path.Combine(dir, "vgg19.pth");
            Python.Run("""
import sys, torch
cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M']
sd, i, c = {}, 0, 3
for v in cfg:
    if v == 'M': i += 1; continue
    sd['features.%d.weight' % i] = torch.full((v, c, 3, 3), 0.001 * i); sd['features.%d.bias' % i] = torch.full((v,), 0.01 * i); c = v; i += 2
sd['classifier.0.weight'] = torch.zeros(2, 2)
torch.save(sd, sys.argv[1])
""", path);
            using var vgg = Vgg19Features.Load(path);
            var sd = vgg.state_dict();
            Assert.Equal(0.01f * 34, sd["features.34.bias"][0].item<float>(), 6);
            Assert.Equal(0.001f * 5, sd["features.5.weight"][0, 0, 0, 0].item<float>(), 6);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Vgg19FileWithoutFeaturesIsRefusedInOneLine()
    {
        var dir = Directory.CreateTempSubdirectory("vivify-vgg").FullName;
        try
        {
            var path = System.IO.Path.Combine(dir, "not-vgg.pth");
            Vivify.Torch.Checkpoints.TorchSave.Save(new Vivify.Torch.Checkpoints.PyDict { { "classifier.0.weight", TorchSharp.torch.zeros(2, 2) } }, path);
            var e = Assert.Throws<ModelMismatchException>(() => Vgg19Features.Load(path));
            Assert.Contains("no VGG 'features.N' weights", e.Message);
            Assert.Contains("vgg19-dcbb9e9d.pth", e.Message);
            var missing = Assert.Throws<InvalidInputException>(() => Vgg19Features.Load(System.IO.Path.Combine(dir, "none.pth")));
            Assert.Contains("VGG19 weights not found", missing.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
