using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Heads;

/// <summary>
/// The adversarial, feature-matching and embedding-match terms of Zakharov et al. (Sec. 3.2). Scores are the
/// discriminator's r [B]; every term is a mean over the batch. The weights are applied by the caller
/// (<see cref="MetaLearner"/>) from <see cref="HeadsConfig"/>.
/// </summary>
public static class Losses
{
    /// <summary>L_DSC = max(0, 1 + D(x̂)) + max(0, 1 − D(x)) (hinge loss, Eq. 6), averaged over the batch.</summary>
    public static Tensor DiscriminatorHinge(Tensor realScore, Tensor fakeScore)
    {
        using var scope = NewDisposeScope();
        var loss = nn.functional.relu(rsub(realScore, One)).mean().add(nn.functional.relu(fakeScore.add(S(1), One)).mean(), One);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>The realism part of L_ADV: −D(x̂) (Eq. 4), averaged over the batch.</summary>
    public static Tensor GeneratorAdversarial(Tensor fakeScore) => fakeScore.mean().neg();

    /// <summary>
    /// L_FM (unweighted): Σ over the discriminator's residual blocks of the mean absolute difference between its
    /// activations on the real and on the generated frame; the real activations are constants.
    /// </summary>
    public static Tensor FeatureMatching(IReadOnlyList<Tensor> realFeatures, IReadOnlyList<Tensor> fakeFeatures)
    {
        if (realFeatures.Count != fakeFeatures.Count || realFeatures.Count == 0)
            throw new ArgumentException($"feature matching: {realFeatures.Count} real and {fakeFeatures.Count} generated feature maps");
        using var scope = NewDisposeScope();
        Tensor? total = null;
        for (int l = 0; l < realFeatures.Count; l++)
        {
            var term = nn.functional.l1_loss(fakeFeatures[l], realFeatures[l].detach());
            total = total is null ? term : total.add(term, One);
        }
        return total!.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// L_MCH (unweighted) = ‖Wᵢ − êᵢ‖₁ (Eq. 5), as the mean absolute difference over the N entries and the batch.
    /// </summary>
    public static Tensor EmbeddingMatch(Tensor videoEmbedding, Tensor embedding) => nn.functional.l1_loss(embedding, videoEmbedding);
}
