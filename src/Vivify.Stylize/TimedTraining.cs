using Vivify.Media;
using Vivify.Torch.Modules;
using System.Diagnostics;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>Builds the published networks from a configuration and trains them on patches for a wall-clock or step budget.</summary>
public static class TimedTraining
{
    /// <summary>The published reference_P configuration (`_config/reference_P.yaml`), the paper's defaults.</summary>
    public const string ReferencePYaml = """
        generator: {type: GeneratorJ, args: {use_bias: true, tanh: true, append_smoothers: true, resnet_blocks: 7, filters: [32, 64, 128, 128, 128, 64], input_channels: 3}}
        opt_generator: {type: Adam, args: {lr: 0.0004, betas: [0.9, 0.999], weight_decay: 0.00001}}
        discriminator: {type: DiscriminatorN_IN, args: {num_filters: 12, n_layers: 2}}
        opt_discriminator: {type: Adam, args: {lr: 0.0004, betas: [0.9, 0.999], weight_decay: 0.00001}}
        perception_loss: {weight: 6.0, perception_model: {type: PerceptualVGG19, args: {feature_layers: [0, 3, 5], use_normalization: false}}}
        trainer: {batch_size: 40, epochs: 50000000, reconstruction_weight: 4.0, adversarial_weight: 0.5, use_image_loss: true, reconstruction_criterion: L1Loss, adversarial_criterion: MSELoss}
        training_dataset: {type: DatasetPatches_M, dir_pre: input_filtered, dir_post: output, dir_mask: mask, patch_size: 32}
        """;

    /// <summary>A fresh generator and discriminator, initialised from the global seed.</summary>
    public static (GeneratorJ Generator, DiscriminatorN_IN Discriminator) BuildModels(StylizeConfig config, int inputChannels)
    {
        config.Generator.Args.InputChannels = inputChannels;
        var g = new GeneratorJ(config.Generator.Args);
        var d = new DiscriminatorN_IN(config.Discriminator.Args);
        return (g, d);
    }

    /// <summary>
    /// Runs trainer steps on batches from <paramref name="sampler"/> until <paramref name="seconds"/> of wall time have
    /// passed (patch sampling counted, as the published loop counts its data loader) or <paramref name="maxSteps"/>
    /// steps are done, whichever comes first (<see cref="double.PositiveInfinity"/> seconds: a step budget alone). At
    /// least one step runs. <paramref name="afterStep"/> runs after each step, inside the budget. Returns the number of
    /// steps and the seconds actually spent.
    /// </summary>
    public static (long Steps, double Seconds) Train(StylizeTrainer trainer, PatchSampler sampler, int batchSize, double seconds,
        CancellationToken cancel = default, Action? afterStep = null, long? maxSteps = null)
    {
        if (batchSize < 1) throw new ArgumentException($"batch size {batchSize} is too small: use at least 1");
        if (maxSteps < 1) throw new ArgumentException($"a budget of {maxSteps} steps is too small: use at least 1");
        var clock = Stopwatch.StartNew();
        long steps = 0;
        do
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (pre, post, already) = sampler.Sample(batchSize);
            trainer.Step(pre, post, already);
            afterStep?.Invoke();
            steps++;
        }
        while (clock.Elapsed.TotalSeconds < seconds && !(steps >= maxSteps));
        return (steps, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Stylizes <paramref name="pre"/> ([C,H,W] in [-1,1]) and scores it against the painted frame
    /// (<paramref name="painted"/> [3,H,W] in [0,1]) after the published 8-bit output conversion: (PSNR dB, SSIM).
    /// </summary>
    public static (double Psnr, double Ssim) Score(GeneratorJ generator, Tensor pre, Tensor painted)
    {
        using var scope = NewDisposeScope();
        var output = FullFrame.Stylize(generator, pre.unsqueeze(0))[0];
        var image = Keyframe.ToImageSpace(output).to(float32) / S(255);
        return (ImageMetrics.Psnr(image, painted), ImageMetrics.Ssim(image, painted));
    }
}
