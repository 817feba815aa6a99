using static TorchSharp.torch;
using Adam = Vivify.Torch.Optim.Adam;

namespace Vivify.Heads;

/// <summary>
/// The discriminator's part of a meta-learning or fine-tuning step (Zakharov et al. Sec. 3.2, 3.3): Adam steps on the
/// hinge loss L_DSC (<see cref="Losses.DiscriminatorHinge"/>) of the real frames against the generated ones, which
/// are detached so that no gradient reaches the generator.
/// </summary>
public static class DiscriminatorHingeStep
{
    /// <summary>
    /// Takes <paramref name="steps"/> steps of <paramref name="optimizer"/>, each on L_DSC(<paramref name="score"/>(real),
    /// <paramref name="score"/>(fake)); <paramref name="beforeStep"/> runs between backward and the optimizer's step (data
    /// parallel: averaging the gradients). Returns the last step's loss (0 for no steps); nothing it makes outlives it.
    /// </summary>
    public static double Run(int steps, Adam optimizer, Func<Tensor, Tensor> score, Tensor real, Tensor fake, Action? beforeStep = null)
    {
        double last = 0;
        using var fakeFrozen = fake.detach();
        for (int s = 0; s < steps; s++)
        {
            using var inner = NewDisposeScope();
            optimizer.zero_grad();
            var loss = Losses.DiscriminatorHinge(score(real), score(fakeFrozen));
            loss.backward();
            beforeStep?.Invoke();
            optimizer.step();
            using var value = loss.detach().to(ScalarType.Float64);
            last = value.item<double>();
        }
        return last;
    }
}
