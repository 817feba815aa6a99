using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Training;

/// <summary>
/// DiscriminatorFullModel of the published model.py: the least-squares GAN loss of the discriminator on the real
/// driving frames and the (detached) prediction, at every discriminator scale, weighted by discriminator_gan.
/// The discriminator is borrowed; the pyramid (discriminator scales) is owned.
/// </summary>
public sealed class DiscriminatorFullModel : IDisposable
{
    private readonly MultiScaleDiscriminator discriminator;
    private readonly List<string> scales;
    private readonly ImagePyramide pyramid;
    private readonly LossWeights loss_weights;

    public DiscriminatorFullModel(MultiScaleDiscriminator discriminator, TrainParams train_params, long num_channels, IEnumerable<string> disc_scales)
    {
        this.discriminator = discriminator;
        scales = disc_scales.ToList();
        pyramid = new ImagePyramide(scales.Select(s => double.Parse(ImagePyramide.Name(s), System.Globalization.CultureInfo.InvariantCulture)), num_channels);
        loss_weights = train_params.loss_weights;
    }

    /// <summary>{"disc_gan": Σ_scales w·mean((1 − D(real))² + D(fake)²)}.</summary>
    public OrderedDictionary<string, Tensor> forward(Tensor driving, Generated generated)
    {
        var pyramide_real = Named(pyramid.forward(driving));
        var pyramide_generated = Named(pyramid.forward(generated.prediction.detach()));

        using var kp_driving = GeneratorFullModel.Detach(generated.kp_driving);
        var discriminator_maps_generated = discriminator.forward(pyramide_generated, kp_driving);
        var discriminator_maps_real = discriminator.forward(pyramide_real, kp_driving);

        var loss_values = new OrderedDictionary<string, Tensor>();
        Tensor? value_total = null;
        foreach (var scale in scales)
        {
            var value = rsub(discriminator_maps_real[scale].prediction_map, One).pow(S(2)).add(discriminator_maps_generated[scale].prediction_map.pow(S(2)), One);
            var term = S(loss_weights.discriminator_gan) * value.mean();
            value_total = value_total is null ? term : value_total.add(term, One);
        }
        loss_values["disc_gan"] = value_total!;
        return loss_values;
    }

    /// <summary>Pyramid levels under the scale names the discriminator was built with.</summary>
    private Dictionary<string, Tensor> Named(Dictionary<string, Tensor> pyramide) =>
        scales.ToDictionary(s => "prediction_" + s, s => pyramide["prediction_" + ImagePyramide.Name(s)]);

    /// <summary>Moves the owned pyramid to <paramref name="dtype"/> (the borrowed models are moved by their owner).</summary>
    public DiscriminatorFullModel to(ScalarType dtype)
    {
        // Module by module: TorchSharp 0.107's Module.to fails on a ModuleDict (its two indexers are both named "Item").
        foreach (var (_, down) in pyramid.downs) down.to(dtype);
        return this;
    }

    public void Dispose() => pyramid.Dispose();
}
