using Xunit;
using static TorchSharp.torch;

namespace Vivify.Stylize.Tests;

public sealed class StylizeTrainingTests
{
    private static Keyframe ToyKeyframe(long h = 32, long w = 32, Tensor? mask = null)
    {
        // The frame: smooth colour gradients; the "painting": channels swapped and inverted, a style a tiny generator can learn.
        var ys = linspace(-1, 1, h).view(h, 1).expand(h, w);
        var xs = linspace(-1, 1, w).view(1, w).expand(h, w);
        var pre = stack([ys, xs, (ys * xs * 3).sin()]);
        var post = stack([-pre[2], -pre[0], pre[1]]).contiguous();
        return new Keyframe(pre.contiguous(), post, mask);
    }

    [Fact]
    public void PatchesComeOnlyFromWhereTheMaskIsSet()
    {
        var mask = zeros(40, 40);
        mask[10..30, 5..25] = 1;
        var kf = new Keyframe(mask.unsqueeze(0).expand(3, 40, 40) * 2 - 1, zeros(3, 40, 40), mask);
        var sampler = new PatchSampler([kf], patchSize: 8, seed: 1);
        var (pre, post, already) = sampler.Sample(64);
        Assert.Equal(new long[] { 64, 3, 8, 8 }, pre.shape);
        Assert.Equal(new long[] { 64, 3, 8, 8 }, already.shape);
        // Each patch's centre pixel (index s/2) lies inside the mask, at least 3 pixels from its edge (7×7 erosion).
        Assert.True((pre[.., .., 4, 4] == 1).all().item<bool>());
        Assert.Throws<UsageException>(() => new PatchSampler([new Keyframe(zeros(3, 10, 10), zeros(3, 10, 10), zeros(10, 10))], 4));
    }

    [Fact]
    public void WithoutVggOrDiscriminatorThoseTermsAreZero()
    {
        manual_seed(3);
        var config = StylizeConfig.Parse("generator: {type: GeneratorJ, args: {use_bias: true, tanh: true, resnet_blocks: 1, filters: [4, 4, 4, 4, 4, 4]}}\nperception_loss: {weight: 6.0}\n");
        using var g = new GeneratorJ(config.Generator.Args);
        using var trainer = new StylizeTrainer(g, null, null, config);
        var sampler = new PatchSampler([ToyKeyframe(16, 16)], patchSize: 8);
        var (pre, post, already) = sampler.Sample(4);
        var l = trainer.Step(pre, post, already);
        Assert.Equal((0.0, 0.0, 0.0), (l.Discriminator, l.Perception, l.Adversarial));
        Assert.True(l.Image > 0);
        Assert.Equal(4 * l.Image, l.GeneratorTotal, 5);
    }

    [Fact]
    public void SeveralKeyframesAreSampledInTurn()
    {
        var a = new Keyframe(full(3, 12, 12, 0.25f), full(3, 12, 12, 0.5f));
        var b = new Keyframe(full(3, 12, 16, -0.25f), full(3, 12, 16, -0.5f));
        var sampler = new PatchSampler([a, b], patchSize: 4, seed: 2);
        var (pre, post, already) = sampler.Sample(6);
        float[] expected = [0.25f, -0.25f, 0.25f, -0.25f, 0.25f, -0.25f];
        Assert.Equal(expected, pre[.., 0, 1, 1].data<float>().ToArray());
        Assert.Equal(expected.Select(v => v * 2), post[.., 0, 1, 1].data<float>().ToArray());
        Assert.Equal(expected.Select(v => v * 2), already[.., 0, 1, 1].data<float>().ToArray());
    }

    [Fact]
    [Trait("Category", "Evidence")]
    public void TrainingATinyModelReducesTheLossOnAToyKeyframe()
    {
        manual_seed(7);
        var config = StylizeConfig.Parse("""
            generator: {type: GeneratorJ, args: {use_bias: true, tanh: true, append_smoothers: true, resnet_blocks: 1, filters: [8, 8, 8, 8, 8, 8]}}
            discriminator: {type: DiscriminatorN_IN, args: {num_filters: 4, n_layers: 2}}
            perception_loss: {weight: 6.0, perception_model: {type: PerceptualVGG19, args: {feature_layers: [0, 3, 5], use_normalization: false}}}
            trainer: {batch_size: 8, reconstruction_weight: 4.0, adversarial_weight: 0.5}
            opt_generator: {type: Adam, args: {lr: 0.004, betas: [0.9, 0.999], weight_decay: 0.00001}}
            opt_discriminator: {type: Adam, args: {lr: 0.0004, betas: [0.9, 0.999], weight_decay: 0.00001}}
            """);
        var kf = ToyKeyframe();
        using var g = new GeneratorJ(config.Generator.Args);
        using var d = new DiscriminatorN_IN(config.Discriminator.Args);
        var perception = new PerceptualVGG19(FormulaVgg19.Create(3), config.PerceptionLoss.PerceptionModel.Args.FeatureLayers, false);
        using var trainer = new StylizeTrainer(g, d, perception, config);
        var sampler = new PatchSampler([kf], patchSize: 16, seed: 3);

        double FullFrameL1()
        {
            using var y = FullFrame.Stylize(g, kf.Pre.unsqueeze(0));
            return (y[0] - kf.Post).abs().mean().item<float>();
        }

        var before = FullFrameL1();
        var losses = new List<StepLosses>();
        for (var step = 0; step < 60; step++)
        {
            using var scope = NewDisposeScope();
            var (pre, post, already) = sampler.Sample(config.Trainer.BatchSize);
            losses.Add(trainer.Step(pre, post, already));
        }
        var after = FullFrameL1();
        var first = losses.Take(5).Average(l => l.Image);
        var last = losses.TakeLast(5).Average(l => l.Image);
        Assert.All(losses, l => Assert.True(double.IsFinite(l.GeneratorTotal) && double.IsFinite(l.Discriminator)));
        Assert.True(last < 0.6 * first, $"patch L1 went {first:F4} → {last:F4}");
        Assert.True(after < 0.6 * before, $"full-frame L1 went {before:F4} → {after:F4}");
        Assert.Equal(60, trainer.Steps);
    }
}
