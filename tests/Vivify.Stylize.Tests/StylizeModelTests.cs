using Vivify.Torch.Modules;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Stylize.Tests;

public sealed class StylizeModelTests
{
    [Fact]
    public void ReferencePConfigReadsThePublishedKeys()
    {
        var c = StylizeConfig.Load(Fixtures.Path("stylize", "reference_P.yaml"));
        Assert.Equal(7, c.Generator.Args.ResnetBlocks);
        Assert.Equal([32, 64, 128, 128, 128, 64], c.Generator.Args.Filters);
        Assert.True(c.Generator.Args.UseBias && c.Generator.Args.Tanh && c.Generator.Args.AppendSmoothers);
        Assert.Equal((12, 2), (c.Discriminator.Args.NumFilters, c.Discriminator.Args.NLayers));
        Assert.Equal(6.0, c.PerceptionLoss.Weight);
        Assert.Equal([0, 3, 5], c.PerceptionLoss.PerceptionModel.Args.FeatureLayers);
        Assert.False(c.PerceptionLoss.PerceptionModel.Args.UseNormalization);
        Assert.Equal((40, 4.0, 0.5), (c.Trainer.BatchSize, c.Trainer.ReconstructionWeight, c.Trainer.AdversarialWeight));
        Assert.Equal((4e-4, 1e-5), (c.OptGenerator.Args.Lr, c.OptGenerator.Args.WeightDecay));
        Assert.Equal([0.9, 0.999], c.OptDiscriminator.Args.Betas);
        Assert.Equal(32, c.TrainingDataset.PatchSize);
    }

    [Fact]
    public void UnsupportedConfigurationIsRefusedWithAMessage()
    {
        var e = Assert.Throws<ConfigurationException>(() => StylizeConfig.Parse("generator:\n  type: GeneratorX\n", "x.yaml"));
        Assert.Contains("x.yaml", e.Message);
        Assert.Throws<ConfigurationException>(() => StylizeConfig.Parse("generator: [1, 2", "y.yaml"));
    }

    [Fact]
    public void ReferenceFGeneratorHasFourResidualBlocks()
    {
        using var g = new GeneratorJ(use_bias: true, resnet_blocks: 4, tanh: true, filters: [32, 64, 128, 128, 128, 64], append_smoothers: true);
        var keys = g.state_dict().Keys.ToList();
        Assert.Contains("resnets.3.conv_1.weight", keys);
        Assert.DoesNotContain("resnets.4.conv_0.weight", keys);
        Assert.Contains("upconv2.1.weight", keys);
        Assert.Contains("conv_11_a.2.running_var", keys);
        Assert.Contains("conv_12.0.bias", keys);
    }

    [Fact]
    public void Conv2RunsTwiceInTrainingOnceInEval()
    {
        using var g = new GeneratorJ(use_bias: true, resnet_blocks: 1, tanh: true, filters: [4, 4, 4, 4, 4, 4], append_smoothers: true);
        using var x = rand(2, 3, 8, 8) * 2 - 1;
        long Tracked(string k) => g.state_dict()[k].item<long>();
        g.train();
        g.forward(x).Dispose();
        Assert.Equal(1, Tracked("conv0.normalization.num_batches_tracked"));
        Assert.Equal(2, Tracked("conv2.normalization.num_batches_tracked"));
        g.eval();
        using var a = g.forward(x);
        Assert.Equal(2, Tracked("conv2.normalization.num_batches_tracked"));
        Assert.Equal(new long[] { 2, 3, 8, 8 }, a.shape);
    }

    [Fact]
    public void Vgg19FeaturesHasTorchvisionKeys()
    {
        using var vgg = new Vgg19Features();
        var keys = vgg.state_dict().Keys.ToList();
        int[] convs = [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34];
        Assert.Equal(convs.SelectMany(i => new[] { $"features.{i}.weight", $"features.{i}.bias" }), keys);
        Assert.Equal(37, vgg.Count);
    }

    [Fact]
    public void FullFramePadsSizesNotDivisibleByFour()
    {
        using var g = new GeneratorJ(use_bias: true, resnet_blocks: 1, tanh: true, filters: [4, 4, 4, 4, 4, 4]);
        using var x = rand(1, 3, 30, 22) * 2 - 1;
        using var y = FullFrame.Stylize(g, x);
        Assert.Equal(new long[] { 1, 3, 30, 22 }, y.shape);
        Assert.True(y.abs().max().item<float>() <= 1f);
    }
}
