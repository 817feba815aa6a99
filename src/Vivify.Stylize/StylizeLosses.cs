using Vivify.Torch.Modules;
using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>The published trainer's loss terms (trainers.Trainer), each a scalar tensor.</summary>
public static class StylizeLosses
{
    /// <summary>Reconstruction ("image") loss: L1, mean over all elements (reconstruction_criterion: L1Loss).</summary>
    public static Tensor Image(Tensor generated, Tensor post) => nn.functional.l1_loss(generated, post);

    /// <summary>Perception loss: mean squared difference of the concatenated VGG features; the target side has no gradient.</summary>
    public static Tensor Perception(PerceptualVGG19 perception, Tensor generated, Tensor post)
    {
        using var fake = perception.forward(generated);
        using var target = TargetFeatures(perception, post);
        using var diff = fake - target;
        return diff.pow(S(2)).mean();
    }

    /// <summary>Least-squares adversarial loss for the generator: MSE of the scores to 1.</summary>
    public static Tensor Adversarial(DiscriminatorN_IN discriminator, Tensor generated)
    {
        using var labels = discriminator.forward(generated);
        using var ones = ones_like(labels);
        return nn.functional.mse_loss(labels, ones);
    }

    /// <summary>Discriminator loss: MSE of the scores of generated patches (detached) to 0 plus of real patches to 1.</summary>
    public static Tensor Discriminator(DiscriminatorN_IN discriminator, Tensor generated, Tensor real)
    {
        using var scope = NewDisposeScope();
        var fakeLabels = discriminator.forward(generated.detach());
        var trueLabels = discriminator.forward(real);
        var loss = nn.functional.mse_loss(fakeLabels, zeros_like(fakeLabels)).add(nn.functional.mse_loss(trueLabels, ones_like(trueLabels)), One);
        return loss.MoveToOuterDisposeScope();
    }

    private static Tensor TargetFeatures(PerceptualVGG19 perception, Tensor post)
    {
        using var _ = no_grad();
        return perception.forward(post);
    }

    /// <summary>The trainer's weights: generator_total = reconstruction·image + perception·perception + adversarial·adversarial.</summary>
    public sealed record Weights(double Reconstruction, double Perception, double Adversarial)
    {
        public Weights(StylizeConfig config)
            : this(config.Trainer.ReconstructionWeight, config.PerceptionLoss.Weight, config.Trainer.AdversarialWeight) { }

        public Tensor GeneratorTotal(Tensor image, Tensor perception, Tensor adversarial) =>
            (image * S(Reconstruction)).add(perception * S(Perception), One).add(adversarial * S(Adversarial), One);
    }
}
