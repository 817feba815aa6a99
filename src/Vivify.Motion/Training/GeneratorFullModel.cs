using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Training;

/// <summary>What the generator step produced: the generator's outputs and the keypoints (the published <c>generated</c> dict).</summary>
public sealed class Generated : IDisposable
{
    public required GeneratorOutput output { get; init; }
    public required Keypoints kp_source { get; init; }
    public required Keypoints kp_driving { get; init; }
    public Tensor? transformed_frame { get; init; }
    public Keypoints? transformed_kp { get; init; }

    public Tensor prediction => output.prediction;

    public void Dispose()
    {
        output.Dispose();
        kp_source.Dispose();
        kp_driving.Dispose();
        transformed_frame?.Dispose();
        transformed_kp?.Dispose();
    }
}

/// <summary>
/// GeneratorFullModel of the published model.py: keypoints of source and driving frames, the generator's
/// prediction, and the generator-side losses with the configured weights — multi-scale perceptual (VGG19 on an
/// image pyramid), LSGAN generator loss and feature matching, equivariance of keypoint values and Jacobians under a
/// thin-plate-spline <see cref="Transform"/>. The models are borrowed; the pyramid is owned, the VGG is borrowed.
/// </summary>
public sealed class GeneratorFullModel : IDisposable
{
    private readonly KeypointDetector kp_extractor;
    private readonly OcclusionAwareGenerator generator;
    private readonly MultiScaleDiscriminator discriminator;
    private readonly TrainParams train_params;
    private readonly List<double> scales;
    private readonly List<string> disc_scales;
    private readonly ImagePyramide pyramid;
    private readonly LossWeights loss_weights;
    private readonly Vgg19? vgg;

    /// <param name="vgg">The perceptual network; required when the perceptual weights are not all zero.</param>
    public GeneratorFullModel(KeypointDetector kp_extractor, OcclusionAwareGenerator generator, MultiScaleDiscriminator discriminator,
        TrainParams train_params, long num_channels, IEnumerable<string> disc_scales, Vgg19? vgg)
    {
        this.kp_extractor = kp_extractor;
        this.generator = generator;
        this.discriminator = discriminator;
        this.train_params = train_params;
        scales = train_params.scales;
        this.disc_scales = disc_scales.ToList();
        pyramid = new ImagePyramide(scales, num_channels);
        loss_weights = train_params.loss_weights;
        if (loss_weights.perceptual.Sum() != 0)
            this.vgg = vgg ?? throw new ArgumentException("perceptual loss weights are set: a VGG19 is required", nameof(vgg));
        foreach (var s in this.disc_scales)
            if (!scales.Any(t => ImagePyramide.Name(t) == ImagePyramide.Name(s)))
                throw new ConfigurationException(null, $"config: discriminator scale {s} is not among train_params.scales [{string.Join(", ", scales)}]; add it there", key: "train_params.scales");
    }

    /// <summary>
    /// The losses (ordered as published: perceptual, gen_gan, feature_matching, equivariance_value,
    /// equivariance_jacobian; only those with non-zero weights) and what was generated.
    /// <paramref name="transform"/> is the random TPS warp for the equivariance losses (required when they are weighted).
    /// </summary>
    public (OrderedDictionary<string, Tensor> losses, Generated generated) forward(Tensor source, Tensor driving, Transform? transform)
    {
        var kp_source = kp_extractor.forward(source);
        var kp_driving = kp_extractor.forward(driving);

        var output = generator.forward(source, kp_driving, kp_source);
        var loss_values = new OrderedDictionary<string, Tensor>();

        var pyramide_real = pyramid.forward(driving);
        var pyramide_generated = pyramid.forward(output.prediction);

        if (vgg is not null)
        {
            Tensor? value_total = null;
            // Slices after the last weighted one add 0 to the loss and its gradients: they are not computed.
            var slices = loss_weights.perceptual.FindLastIndex(w => w != 0) + 1;
            foreach (var scale in scales)
            {
                var key = "prediction_" + ImagePyramide.Name(scale);
                var x_vgg = vgg.forward(pyramide_generated[key], slices);
                var y_vgg = vgg.forward(pyramide_real[key], slices);
                for (var i = 0; i < slices; i++)
                {
                    var value = abs(x_vgg[i] - y_vgg[i].detach()).mean();
                    value_total = Add(value_total, S(loss_weights.perceptual[i]) * value);
                }
            }
            loss_values["perceptual"] = value_total!;
        }

        if (loss_weights.pixel != 0)
            loss_values["pixel"] = S(loss_weights.pixel) * abs(output.prediction - driving).mean();

        if (loss_weights.generator_gan != 0)
        {
            using var kp_detached = Detach(kp_driving);
            var discriminator_maps_generated = discriminator.forward(ForDiscriminator(pyramide_generated), kp_detached);
            var discriminator_maps_real = discriminator.forward(ForDiscriminator(pyramide_real), kp_detached);
            Tensor? value_total = null;
            foreach (var scale in disc_scales)
            {
                var value = rsub(discriminator_maps_generated[scale].prediction_map, One).pow(S(2)).mean();
                value_total = Add(value_total, S(loss_weights.generator_gan) * value);
            }
            loss_values["gen_gan"] = value_total!;

            if (loss_weights.feature_matching.Sum() != 0)
            {
                value_total = null;
                foreach (var scale in disc_scales)
                {
                    var real = discriminator_maps_real[scale].feature_maps;
                    var gen = discriminator_maps_generated[scale].feature_maps;
                    for (var i = 0; i < Math.Min(real.Count, gen.Count); i++)
                    {
                        if (i >= loss_weights.feature_matching.Count)
                            throw new ConfigurationException(null, $"config: loss_weights.feature_matching has {loss_weights.feature_matching.Count} weights for {real.Count} discriminator blocks; give one weight per block", key: "train_params.loss_weights.feature_matching");
                        if (loss_weights.feature_matching[i] == 0) continue;
                        var value = abs(real[i] - gen[i]).mean();
                        value_total = Add(value_total, S(loss_weights.feature_matching[i]) * value);
                    }
                    loss_values["feature_matching"] = value_total!;
                }
            }
        }

        Tensor? transformed_frame = null;
        Keypoints? transformed_kp = null;
        if (loss_weights.equivariance_value + loss_weights.equivariance_jacobian != 0)
        {
            if (transform is null) throw new ArgumentException("the equivariance losses are weighted: pass a transform", nameof(transform));
            transformed_frame = transform.transform_frame(driving);
            transformed_kp = kp_extractor.forward(transformed_frame);

            if (loss_weights.equivariance_value != 0)
            {
                var value = abs(kp_driving.value - transform.warp_coordinates(transformed_kp.value)).mean();
                loss_values["equivariance_value"] = S(loss_weights.equivariance_value) * value;
            }

            if (loss_weights.equivariance_jacobian != 0)
            {
                if (kp_driving.jacobian is null || transformed_kp.jacobian is null)
                    throw new ConfigurationException(null, "config: equivariance_jacobian is weighted but the keypoint detector estimates no Jacobians; set estimate_jacobian: true or the weight to 0", key: "train_params.loss_weights.equivariance_jacobian");
                var jacobian_transformed = matmul(transform.jacobian(transformed_kp.value), transformed_kp.jacobian);

                var normed_driving = inverse(kp_driving.jacobian);
                var normed_transformed = jacobian_transformed;
                var value = matmul(normed_driving, normed_transformed);

                var eye2 = eye(2, dtype: value.dtype, device: value.device).view(1, 1, 2, 2);
                value = abs(eye2 - value).mean();
                loss_values["equivariance_jacobian"] = S(loss_weights.equivariance_jacobian) * value;
            }
        }

        var generated = new Generated
        {
            output = output, kp_source = kp_source, kp_driving = kp_driving,
            transformed_frame = transformed_frame, transformed_kp = transformed_kp,
        };
        return (loss_values, generated);
    }

    /// <summary>The pyramid levels the discriminator reads, under the names it was built with.</summary>
    private Dictionary<string, Tensor> ForDiscriminator(Dictionary<string, Tensor> pyramide) =>
        disc_scales.ToDictionary(s => "prediction_" + s, s => pyramide["prediction_" + ImagePyramide.Name(s)]);

    internal static Keypoints Detach(Keypoints kp) => new(kp.value.detach(), kp.jacobian?.detach());

    private static Tensor Add(Tensor? total, Tensor term) => total is null ? term : total.add(term, One);

    /// <summary>Moves the owned pyramid to <paramref name="dtype"/> (the borrowed models are moved by their owner).</summary>
    public GeneratorFullModel to(ScalarType dtype)
    {
        // Module by module: TorchSharp 0.107's Module.to fails on a ModuleDict (its two indexers are both named "Item").
        foreach (var (_, down) in pyramid.downs) down.to(dtype);
        return this;
    }

    public void Dispose() => pyramid.Dispose();
}
