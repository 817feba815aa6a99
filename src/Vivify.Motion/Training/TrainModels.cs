using TorchSharp;
using Vivify.Torch.Optim;
using static TorchSharp.torch;

namespace Vivify.Motion.Training;

/// <summary>The three networks of a training run and their Adam optimizers (betas 0.5, 0.999 as published).</summary>
public sealed class TrainModels : IDisposable
{
    public KeypointDetector kp_detector { get; }
    public OcclusionAwareGenerator generator { get; }
    public MultiScaleDiscriminator discriminator { get; }
    public Adam optimizer_generator { get; }
    public Adam optimizer_discriminator { get; }
    public Adam optimizer_kp_detector { get; }

    /// <param name="dtype">The networks' type (float64 only for exactness checks), set before the optimizers take their parameters.</param>
    public TrainModels(FommConfig config, ScalarType dtype = ScalarType.Float32)
    {
        var t = config.train_params ?? throw new ConfigurationException(null, "config: no train_params; use a training configuration such as vox-256.yaml", key: "train_params");
        kp_detector = KeypointDetector.FromConfig(config.model_params);
        generator = OcclusionAwareGenerator.FromConfig(config.model_params);
        discriminator = MultiScaleDiscriminator.FromConfig(config.model_params);
        if (dtype != ScalarType.Float32)
        {
            kp_detector.to(dtype);
            generator.to(dtype);
            foreach (var (_, d) in discriminator.discs) d.to(dtype); // TorchSharp 0.107's Module.to fails on a ModuleDict
        }
        optimizer_generator = new Adam(generator.parameters(), lr: t.lr_generator, betas: (0.5, 0.999));
        optimizer_discriminator = new Adam(discriminator.parameters(), lr: t.lr_discriminator, betas: (0.5, 0.999));
        optimizer_kp_detector = new Adam(kp_detector.parameters(), lr: t.lr_kp_detector, betas: (0.5, 0.999));
    }

    public void train()
    {
        kp_detector.train();
        generator.train();
        discriminator.train();
    }

    public void Dispose()
    {
        optimizer_generator.Dispose();
        optimizer_discriminator.Dispose();
        optimizer_kp_detector.Dispose();
        kp_detector.Dispose();
        generator.Dispose();
        discriminator.Dispose();
    }
}
