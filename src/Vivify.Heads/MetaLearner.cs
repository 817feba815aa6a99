using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Distributed;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;
using Adam = Vivify.Torch.Optim.Adam;

namespace Vivify.Heads;

/// <summary>
/// A batch of meta-learning episodes (Zakharov et al. Sec. 3.2): for each of B videos, K frames and their
/// landmark images for the embedder ([B,K,3,H,W]), one more frame t of the same video with its landmark
/// image ([B,3,H,W]) as the target, and the video's index i into W ([B], int64). Frames are in [0,1].
/// </summary>
public sealed record Episode(Tensor Frames, Tensor Landmarks, Tensor TargetFrame, Tensor TargetLandmarks, Tensor VideoIndex);

/// <summary>The losses of one meta-learning step (weighted as they enter the sums).</summary>
public sealed record MetaStepLosses(double Content, double Adversarial, double FeatureMatching, double Match, double Discriminator)
{
    /// <summary>L_CNT + L_ADV + L_MCH, the embedder's and generator's objective (Eq. 3).</summary>
    public double Generator => Content + Adversarial + FeatureMatching + Match;
}

/// <summary>
/// The meta-learning stage (Zakharov et al. Sec. 3.2, 4): per step, ê = mean E(xₖ, yₖ), x̂ = G(y_t, ê); the
/// discriminator (θ, W, w₀, b) takes <see cref="HeadsConfig.DiscriminatorSteps"/> Adam steps on the hinge loss
/// L_DSC at its learning rate; then the embedder and generator (φ, ψ, P) take one Adam step together on
/// L_CNT + L_ADV + L_MCH, L_ADV = −D(x̂) + w_FM·L_FM, against the updated discriminator. W enters L_MCH as a
/// constant: the paper minimises that objective over φ, ψ, P only and updates W through L_DSC. Data parallel (a
/// communicator of several ranks), gradients are averaged over the ranks before every Adam step.
/// </summary>
public sealed class MetaLearner : IDisposable
{
    private readonly HeadsConfig _config;
    private readonly Embedder _e;
    private readonly Generator _g;
    private readonly Discriminator _d;
    private readonly ContentLoss _content;

    private readonly GradientBuckets? _gradientsEG, _gradientsD;

    public MetaLearner(HeadsConfig config, Embedder e, Generator g, Discriminator d, ContentLoss content, ICommunicator? comm = null)
    {
        config.Validate();
        (_config, _e, _g, _d, _content) = (config, e, g, d, content);
        var betas = (config.Beta1, config.Beta2);
        OptimizerEG = new Adam(e.parameters().Concat(g.parameters()), lr: config.LearningRateEG, betas: betas);
        OptimizerD = new Adam(d.parameters(), lr: config.LearningRateD, betas: betas);
        if (comm is { Size: > 1 })
        {
            _gradientsEG = new GradientBuckets(e.parameters().Concat(g.parameters()), comm);
            _gradientsD = new GradientBuckets(d.parameters(), comm);
        }
    }

    public Adam OptimizerEG { get; }
    public Adam OptimizerD { get; }

    /// <summary>One meta-learning step on <paramref name="episode"/>; nothing it makes outlives it.</summary>
    public MetaStepLosses Step(Episode episode)
    {
        using var scope = NewDisposeScope();
        _e.train();
        _g.train();
        _d.train();
        var (x, y, i) = (episode.TargetFrame, episode.TargetLandmarks, episode.VideoIndex);
        var e = _e.call(episode.Frames, episode.Landmarks);
        var xHat = _g.call(y, e);

        var lossD = DiscriminatorHingeStep.Run(_config.DiscriminatorSteps, OptimizerD, frames => _d.call(frames, y, i).Score, x, xHat,
            _gradientsD is null ? null : () => _gradientsD.Average());

        OptimizerEG.zero_grad();
        var dParams = _d.parameters().ToList();
        foreach (var p in dParams) p.requires_grad = false; // no gradients for θ, W, w₀, b in this step
        try
        {
            List<Tensor> realFeatures;
            using (no_grad()) realFeatures = _d.Features(x, y).Features;
            var fakeOut = _d.call(xHat, y, i);
            var content = _content.forward(x, xHat);
            var adversarial = Losses.GeneratorAdversarial(fakeOut.Score);
            var fm = S(_config.FeatureMatchingWeight) * Losses.FeatureMatching(realFeatures, fakeOut.Features);
            Tensor w;
            using (no_grad()) w = _d.VideoEmbedding(i);
            var match = S(_config.MatchWeight) * Losses.EmbeddingMatch(w, e);
            var total = content.add(adversarial, One).add(fm, One).add(match, One);
            total.backward();
            _gradientsEG?.Average();
            OptimizerEG.step();
            return new MetaStepLosses(Value(content), Value(adversarial), Value(fm), Value(match), lossD);
        }
        finally
        {
            foreach (var p in dParams) p.requires_grad = true;
        }
    }

    /// <summary>A loss as a number, whatever its floating-point type.</summary>
    private static double Value(Tensor t)
    {
        using var d = t.detach().to(ScalarType.Float64);
        return d.item<double>();
    }

    public void Dispose()
    {
        OptimizerEG.Dispose();
        OptimizerD.Dispose();
        _gradientsEG?.Dispose();
        _gradientsD?.Dispose();
    }
}
