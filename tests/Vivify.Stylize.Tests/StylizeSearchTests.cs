using Xunit;
using static TorchSharp.torch;

namespace Vivify.Stylize.Tests;

public sealed class StylizeSearchTests
{
    private const string TinyYaml = """
        generator: {type: GeneratorJ, args: {use_bias: true, tanh: true, append_smoothers: true, resnet_blocks: 1, filters: [8, 8, 8, 8, 8, 8]}}
        discriminator: {type: DiscriminatorN_IN, args: {num_filters: 4, n_layers: 2}}
        perception_loss: {weight: 6.0}
        trainer: {batch_size: 8, reconstruction_weight: 4.0, adversarial_weight: 0.5}
        opt_generator: {type: Adam, args: {lr: 0.0004, betas: [0.9, 0.999], weight_decay: 0.00001}}
        opt_discriminator: {type: Adam, args: {lr: 0.0004, betas: [0.9, 0.999], weight_decay: 0.00001}}
        """;

    /// <summary>A frame (smooth gradients, shifted by <paramref name="phase"/>) and its "painting": channels swapped and inverted, in [0,1].</summary>
    private static (Tensor Pre, Tensor Painted) Frame(double phase, long h = 32, long w = 40)
    {
        var ys = linspace(-1, 1, h).view(h, 1).expand(h, w);
        var xs = linspace(-1, 1, w).view(1, w).expand(h, w);
        var pre = stack([ys, xs, (ys * xs * 3 + phase).sin()]).contiguous();
        var post = stack([-pre[2], -pre[0], pre[1]]);
        // The painting as an 8-bit image would hold it.
        var painted = ((post + 1) / 2 * 255).round() / 255;
        return (pre, painted.contiguous());
    }

    [Fact]
    public void GridHoldsEveryCombinationAndRejectsBadValues()
    {
        var grid = new SearchGrid { PatchSizes = [8, 16], BatchSizes = [4], LearningRates = [1e-3, 1e-4], ResnetBlocks = [0, 1, 2] };
        var s = grid.Settings();
        Assert.Equal(12, s.Count);
        Assert.Equal(s.Count, s.Distinct().Count());
        Assert.Equal(new SearchSetting(8, 4, 1e-3, 0), s[0]);
        Assert.Equal(new SearchSetting(16, 4, 1e-4, 2), s[^1]);
        Assert.Throws<UsageException>(() => new SearchGrid { BatchSizes = [0] }.Settings());
        Assert.Throws<UsageException>(() => new SearchGrid { LearningRates = [] }.Settings());
        // The defaults surround the published reference_P setting.
        Assert.Contains(new SearchSetting(32, 40, 0.0004, 7), new SearchGrid().Settings());
    }

    [Fact]
    public void ConfigForChangesOnlyTheSearchedValuesOfACopy()
    {
        var baseConfig = StylizeConfig.Parse(TimedTraining.ReferencePYaml);
        var c = StylizeSearch.ConfigFor(baseConfig, new SearchSetting(16, 10, 0.001, 3));
        Assert.Equal((16, 10, 0.001, 0.001, 3), (c.TrainingDataset.PatchSize, c.Trainer.BatchSize, c.OptGenerator.Args.Lr, c.OptDiscriminator.Args.Lr, c.Generator.Args.ResnetBlocks));
        Assert.Equal((32, 40, 0.0004, 7), (baseConfig.TrainingDataset.PatchSize, baseConfig.Trainer.BatchSize, baseConfig.OptGenerator.Args.Lr, baseConfig.Generator.Args.ResnetBlocks));
        Assert.Equal(baseConfig.Generator.Args.Filters, c.Generator.Args.Filters);
        Assert.Equal((1e-5, 6.0, 12), (c.OptGenerator.Args.WeightDecay, c.PerceptionLoss.Weight, c.Discriminator.Args.NumFilters));
    }

    /// <summary>
    /// Steps per setting: a step budget makes every setting's training the same on a quiet or a busy machine (a wall-time
    /// budget gave one setting a single step under make test on a clean clone).
    /// </summary>
    private const int Steps = 8;

    [Fact]
    public void EachSettingTrainsForItsStepsAndIsScoredOnTheHeldOutFrame()
    {
        var (keyPre, keyPainted) = Frame(0);
        var key = new Keyframe(keyPre, keyPainted * 2 - 1);
        var (holdPre, holdPainted) = Frame(0.4);
        var grid = new SearchGrid { PatchSizes = [16, 24], BatchSizes = [4], LearningRates = [0.004], ResnetBlocks = [1] };
        var started = new List<SearchSetting>();
        var results = StylizeSearch.Run(StylizeConfig.Parse(TinyYaml), [key], holdPre, holdPainted, grid, double.PositiveInfinity,
            seed: 5, onStart: started.Add, stepsPerSetting: Steps);

        Assert.Equal(grid.Settings(), results.Select(r => r.Setting));
        Assert.Equal(grid.Settings(), started);
        foreach (var r in results)
        {
            Assert.Equal(Steps, r.Steps);
            Assert.True(r.Seconds > 0, $"{r.Setting}: {r.Seconds} s");
            Assert.InRange(r.Ssim, -1, 1);
            // Training must do better than the same network untrained (same seed, no steps).
            var config = StylizeSearch.ConfigFor(StylizeConfig.Parse(TinyYaml), r.Setting);
            TorchSharp.torch.manual_seed(5);
            var (untrained, d) = TimedTraining.BuildModels(config, (int)keyPre.shape[0]);
            using (untrained) using (d)
            {
                var (baseline, _) = TimedTraining.Score(untrained, holdPre, holdPainted);
                Assert.True(r.Psnr > baseline + 0.05, $"{r.Setting}: PSNR {r.Psnr:F2} after {r.Steps} steps, untrained {baseline:F2}");
            }
        }
        var best = StylizeSearch.Best(results);
        Assert.Equal(results.Max(r => r.Psnr), best.Psnr);
        // The same search again gives the same scores: the budget no longer depends on the machine.
        var again = StylizeSearch.Run(StylizeConfig.Parse(TinyYaml), [key], holdPre, holdPainted,
            new SearchGrid { PatchSizes = [16], BatchSizes = [4], LearningRates = [0.004], ResnetBlocks = [1] }, double.PositiveInfinity,
            seed: 5, stepsPerSetting: Steps);
        Assert.Equal(results[0].Psnr, again[0].Psnr, 4);
    }

    [Fact]
    public void TrainingStopsAtTheStepBudgetOrTheTimeBudgetWhicheverComesFirst()
    {
        manual_seed(3);
        var (pre, painted) = Frame(0.2, 24, 28);
        var config = StylizeConfig.Parse(TinyYaml);
        var (g, d) = TimedTraining.BuildModels(config, 3);
        using var _ = g;
        using var __ = d;
        using var trainer = new StylizeTrainer(g, d, null, config);
        var sampler = new PatchSampler([new Keyframe(pre, painted * 2 - 1)], 16, seed: 3);
        var afterStep = 0;
        var (steps, _) = TimedTraining.Train(trainer, sampler, 4, double.PositiveInfinity, afterStep: () => afterStep++, maxSteps: 3);
        Assert.Equal((3, 3), (steps, afterStep));
        // A time budget alone: the loop runs until the clock has passed it (at least one step, whatever the load).
        var (timedSteps, seconds) = TimedTraining.Train(trainer, sampler, 4, 0.05);
        Assert.True(timedSteps >= 1 && seconds >= 0.05, $"{timedSteps} steps in {seconds} s");
        Assert.Throws<UsageException>(() => TimedTraining.Train(trainer, sampler, 4, 1, maxSteps: 0));
    }

    [Fact]
    public void ScoreIsThatOfTheEightBitOutput()
    {
        manual_seed(2);
        var (pre, painted) = Frame(0.1, 24, 28);
        var (g, d) = TimedTraining.BuildModels(StylizeConfig.Parse(TinyYaml), 3);
        using var _ = g;
        using var __ = d;
        var (psnr, ssim) = TimedTraining.Score(g, pre, painted);
        var image = Keyframe.ToImageSpace(FullFrame.Stylize(g, pre.unsqueeze(0))[0]).to(float32) / 255;
        Assert.Equal(ImageMetrics.Psnr(image, painted), psnr, 10);
        Assert.Equal(ImageMetrics.Ssim(image, painted), ssim, 10);
        Assert.Throws<UsageException>(() => StylizeSearch.Run(StylizeConfig.Parse(TinyYaml), [new Keyframe(pre, painted * 2 - 1)], pre,
            painted[.., ..20, ..], new SearchGrid(), 1));
        // The published 2-layer discriminator needs patches of at least 12 pixels (8 would leave its last 4×4 kernel a 3×3 input).
        Assert.Equal(12, StylizeSearch.MinPatchSize(new DiscriminatorConfig { NLayers = 2 }));
        Assert.Throws<UsageException>(() => StylizeSearch.Run(StylizeConfig.Parse(TinyYaml), [new Keyframe(pre, painted * 2 - 1)], pre,
            painted, new SearchGrid { PatchSizes = [8] }, 1));
    }
}
