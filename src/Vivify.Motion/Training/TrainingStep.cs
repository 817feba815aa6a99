using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Training;

/// <summary>
/// One iteration of the published train.py: the generator-side losses summed and backpropagated, Adam steps for
/// generator and keypoint detector; then, with a GAN weight, the discriminator's gradients zeroed, disc_gan
/// backpropagated and its Adam step. Returns the losses as numbers.
/// </summary>
public static class TrainingStep
{
    /// <param name="visualize">Called with what was generated, before the discriminator step (for pictures).</param>
    /// <param name="dataParallel">Data parallel: gradients averaged over the ranks before each Adam step.</param>
    public static Dictionary<string, double> Run(Tensor source, Tensor driving, Transform? transform, GeneratorFullModel generator_full,
        DiscriminatorFullModel discriminator_full, TrainModels m, TrainParams train, Action<Generated>? visualize = null,
        MotionDataParallel? dataParallel = null)
    {
        using var scope = NewDisposeScope();
        var (losses_generator, generated) = generator_full.forward(source, driving, transform);
        using (generated)
        {
            Tensor? loss = null;
            foreach (var v in losses_generator.Values) loss = loss is null ? v.mean() : loss.add(v.mean(), One);
            loss!.backward();
            dataParallel?.GeneratorGradients();
            m.optimizer_generator.step();
            m.optimizer_generator.zero_grad();
            m.optimizer_kp_detector.step();
            m.optimizer_kp_detector.zero_grad();

            var result = losses_generator.ToDictionary(kv => kv.Key, kv => Value(kv.Value));
            visualize?.Invoke(generated);
            if (train.loss_weights.generator_gan != 0)
            {
                m.optimizer_discriminator.zero_grad();
                var losses_discriminator = discriminator_full.forward(driving, generated);
                Tensor? dloss = null;
                foreach (var v in losses_discriminator.Values) dloss = dloss is null ? v.mean() : dloss.add(v.mean(), One);
                dloss!.backward();
                dataParallel?.DiscriminatorGradients();
                m.optimizer_discriminator.step();
                m.optimizer_discriminator.zero_grad();
                foreach (var (k, v) in losses_discriminator) result[k] = Value(v);
            }
            return result;
        }
    }

    private static double Value(Tensor t)
    {
        using var d = t.detach().to(ScalarType.Float64);
        return d.item<double>();
    }
}
