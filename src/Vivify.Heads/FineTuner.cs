using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;
using Adam = Vivify.Torch.Optim.Adam;

namespace Vivify.Heads;

/// <summary>The losses of one fine-tuning step (weighted as they enter the sums).</summary>
public sealed record FineTuneLosses(double Content, double Adversarial, double FeatureMatching, double Discriminator)
{
    /// <summary>L_CNT + L_ADV, the generator's objective during fine-tuning (no match term).</summary>
    public double Generator => Content + Adversarial + FeatureMatching;
}

/// <summary>
/// Few-shot fine-tuning (Zakharov et al. Sec. 3.3): for T frames xₜ of one person with landmark images yₜ,
/// ê_NEW = mean E(xₜ, yₜ); the generator keeps ψ and takes ψ' = P ê_NEW as a trainable parameter (P is no
/// longer used); the discriminator keeps θ and b and replaces Wᵢ + w₀ by one trainable row w' = w₀ + ê_NEW,
/// so r = V(x, y; θ)ᵀ w' + b. Then G (ψ, ψ') and D (θ, w', b) are trained with the meta-learning losses less
/// the match term: D takes <see cref="HeadsConfig.DiscriminatorSteps"/> Adam steps on the hinge loss, then G one
/// step on L_CNT + L_ADV (L_ADV = −D(x̂) + w_FM·L_FM), at the meta-learning learning rates. The networks of the
/// <see cref="HeadsModel"/> are changed in place; the embedder is used once, for ê_NEW.
/// </summary>
public sealed class FineTuner : IDisposable
{
    private readonly HeadsConfig _config;
    private readonly Generator _g;
    private readonly Discriminator _d;
    private readonly ContentLoss? _content;
    private readonly Tensor _frames, _landmarks;
    private readonly List<Parameter> _gParams, _dParams;
    private readonly Random _rng;

    /// <param name="frames">The person's frames [T,3,H,W] in [0,1] (T = 1…32).</param>
    /// <param name="landmarks">Their landmark images [T,3,H,W].</param>
    /// <param name="content">L_CNT; null: <see cref="ContentLoss.Pixel"/> stands in for it (no VGG19 weights).</param>
    /// <param name="batchSize">Shots per step (all of them when T is smaller).</param>
    public FineTuner(HeadsModel model, Tensor frames, Tensor landmarks, ContentLoss? content, int batchSize = 8, int seed = 0)
    {
        if (frames.dim() != 4 || !frames.shape.SequenceEqual(landmarks.shape) || frames.shape[1] != 3)
            throw new ArgumentException($"fine-tuning: frames and landmarks must both be [T,3,H,W], got {Embedder.Shape(frames)} and {Embedder.Shape(landmarks)}");
        if (frames.shape[2] != model.Config.ImageSize || frames.shape[3] != model.Config.ImageSize)
            throw new ArgumentException($"fine-tuning: frames must be {model.Config.ImageSize}×{model.Config.ImageSize}, got {Embedder.Shape(frames)}");
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        (_config, _g, _d, _content) = (model.Config, model.Generator, model.Discriminator, content);
        _frames = frames.detach().clone();
        _landmarks = landmarks.detach().clone();
        BatchSize = (int)Math.Min(batchSize, frames.shape[0]);
        _rng = new Random(seed);

        EmbeddingNew = Embed(model.Embedder, _frames, _landmarks);
        using (no_grad())
        {
            using var psi = _g.Psi(EmbeddingNew);
            PsiPrime = nn.Parameter(psi.clone());
            using var w = _d.w0.add(EmbeddingNew, One);
            WPrime = nn.Parameter(w.clone());
        }
        // ψ: every generator parameter but P; θ and b: the discriminator less W and w₀.
        _gParams = _g.named_parameters().Where(p => p.name != "P").Select(p => p.parameter).ToList();
        _dParams = _d.named_parameters().Where(p => !p.name.StartsWith("W.", StringComparison.Ordinal) && p.name != "w0").Select(p => p.parameter).ToList();
        var betas = (_config.Beta1, _config.Beta2);
        OptimizerG = new Adam(_gParams.Append(PsiPrime), lr: _config.LearningRateEG, betas: betas);
        OptimizerD = new Adam(_dParams.Append(WPrime), lr: _config.LearningRateD, betas: betas);
    }

    /// <summary>ê_NEW [1,N].</summary>
    public Tensor EmbeddingNew { get; }

    /// <summary>ψ' [1, PsiLength], initialised to P ê_NEW.</summary>
    public Parameter PsiPrime { get; }

    /// <summary>w' [1,N], initialised to w₀ + ê_NEW.</summary>
    public Parameter WPrime { get; }

    public int BatchSize { get; }
    public Adam OptimizerG { get; }
    public Adam OptimizerD { get; }

    /// <summary>ê = mean over the T frames of E(xₜ, yₜ), computed without gradients in eval mode, 8 frames at a time.</summary>
    public static Tensor Embed(Embedder embedder, Tensor frames, Tensor landmarks)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        embedder.eval();
        long t = frames.shape[0];
        Tensor? sum = null;
        for (long s = 0; s < t; s += 8)
        {
            long n = Math.Min(8, t - s);
            var part = embedder.EmbedFrames(frames.narrow(0, s, n), landmarks.narrow(0, s, n)).sum(0, keepdim: true);
            sum = sum is null ? part : sum.add(part, One);
        }
        return (sum! / S(t)).MoveToOuterDisposeScope();
    }

    /// <summary>One fine-tuning step on a random batch of the shots; nothing it makes outlives it.</summary>
    public FineTuneLosses Step()
    {
        using var scope = NewDisposeScope();
        _g.train();
        _d.train();
        var index = tensor(PickBatch());
        var x = _frames.index_select(0, index);
        var y = _landmarks.index_select(0, index);
        var xHat = _g.Synthesize(y, PsiPrime);

        var lossD = DiscriminatorHingeStep.Run(_config.DiscriminatorSteps, OptimizerD, frames => Score(frames, y), x, xHat);

        OptimizerG.zero_grad();
        var frozen = _dParams.Append(WPrime).ToList();
        foreach (var p in frozen) p.requires_grad = false;
        try
        {
            List<Tensor> realFeatures;
            using (no_grad()) realFeatures = _d.Features(x, y).Features;
            var (phi, fakeFeatures) = _d.Features(xHat, y);
            var adversarial = Losses.GeneratorAdversarial(_d.Realism(phi, WPrime));
            var fm = S(_config.FeatureMatchingWeight) * Losses.FeatureMatching(realFeatures, fakeFeatures);
            var content = Content(x, xHat);
            var total = content.add(adversarial, One).add(fm, One);
            total.backward();
            OptimizerG.step();
            return new FineTuneLosses(content.item<float>(), adversarial.item<float>(), fm.item<float>(), lossD);
        }
        finally
        {
            foreach (var p in frozen) p.requires_grad = true;
        }
    }

    /// <summary>The mean absolute difference between G(yₜ, ψ') and xₜ over all shots (eval mode, no gradients).</summary>
    public double ReconstructionL1()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _g.eval();
        double sum = 0;
        long t = _frames.shape[0];
        for (long s = 0; s < t; s += 8)
        {
            long n = Math.Min(8, t - s);
            var xHat = _g.Synthesize(_landmarks.narrow(0, s, n), PsiPrime);
            sum += (xHat - _frames.narrow(0, s, n)).abs().mean().item<float>() * n;
        }
        return sum / t;
    }

    private Tensor Score(Tensor x, Tensor y)
    {
        var (phi, features) = _d.Features(x, y);
        foreach (var f in features) f.Dispose();
        return _d.Realism(phi, WPrime);
    }

    private Tensor Content(Tensor x, Tensor xHat) =>
        _content is not null ? _content.forward(x, xHat) : S(_config.PixelWeight) * nn.functional.l1_loss(xHat, x.detach());

    private long[] PickBatch()
    {
        int t = (int)_frames.shape[0];
        if (BatchSize == t) return Enumerable.Range(0, t).Select(i => (long)i).ToArray();
        var order = Enumerable.Range(0, t).ToArray();
        _rng.Shuffle(order);
        return order.Take(BatchSize).Select(i => (long)i).ToArray();
    }

    public void Dispose()
    {
        OptimizerG.Dispose();
        OptimizerD.Dispose();
        _frames.Dispose();
        _landmarks.Dispose();
        EmbeddingNew.Dispose();
    }
}
