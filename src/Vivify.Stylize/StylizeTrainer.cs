using Vivify.Torch.Modules;
using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Distributed;
using Adam = Vivify.Torch.Optim.Adam;
using static TorchSharp.torch;

namespace Vivify.Stylize;

/// <summary>Losses of one training step (the values the published trainer logs).</summary>
public readonly record struct StepLosses(double Discriminator, double Image, double Perception, double Adversarial, double GeneratorTotal);

/// <summary>
/// One step of the published Trainer.train loop on a batch of patches: the discriminator step (least-squares, generated
/// patches vs. painted patches at random centres), then the generator step on
/// reconstruction·L1 + perception·VGG + adversarial·LSGAN. Without a perception network the perceptual term is 0.
/// Adam with the configuration's lr, betas and weight decay for both networks.
/// </summary>
public sealed class StylizeTrainer : IDisposable
{
    private readonly Adam _optG;
    private readonly Adam? _optD;
    private GradientBuckets? _gradientsG, _gradientsD;

    public StylizeTrainer(GeneratorJ generator, DiscriminatorN_IN? discriminator, PerceptualVGG19? perception, StylizeConfig config)
    {
        Generator = generator;
        Discriminator = discriminator;
        Perception = perception;
        Weights = new StylizeLosses.Weights(config);
        UseImageLoss = config.Trainer.UseImageLoss;
        _optG = MakeAdam(generator.parameters(), config.OptGenerator.Args);
        if (discriminator is not null) _optD = MakeAdam(discriminator.parameters(), config.OptDiscriminator.Args);
    }

    public GeneratorJ Generator { get; }
    public DiscriminatorN_IN? Discriminator { get; }
    public PerceptualVGG19? Perception { get; }
    public StylizeLosses.Weights Weights { get; }
    public bool UseImageLoss { get; }
    public long Steps { get; private set; }

    /// <summary>
    /// On by default. When set, one generator pass serves both updates: the published step runs the generator twice on
    /// the same patches with the same weights (the discriminator's update cannot change it), so both passes give the same
    /// output and gradients, and parameters stay bit for bit those of the published step (see StylizeSingleGeneratorPass).
    /// The batch-norm running statistics, which the published second pass advances once more with the same batch
    /// statistics, get the equivalent single update, momentum 1 − (1 − m)²; they agree with the published ones to float
    /// rounding. Saves one of the step's two generator forward passes (a reference_P step on 2 cores: 1.5 s instead of
    /// 1.9 s). Set it to false for the published step written out literally.
    /// </summary>
    public bool SingleGeneratorPass { get; set; } = true;

    /// <summary>One discriminator and one generator update on patches pre [B,C,s,s], post and already [B,3,s,s].</summary>
    /// <summary>
    /// Multiplies the generator's learning rate by <paramref name="factor"/> until the result is disposed (the configured
    /// rate is then back, also in what a model file saves). Factor 1 changes nothing.
    /// </summary>
    public IDisposable BoostGeneratorLearningRate(double factor)
    {
        if (factor == 1) return NoBoost.Instance;
        if (!(factor > 0)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "a learning-rate factor must be positive");
        var groups = _optG.ParamGroups.ToList();
        var rates = groups.Select(g => g.Lr).ToList();
        foreach (var g in groups) g.Lr *= factor;
        return new Restore(() =>
        {
            for (var i = 0; i < groups.Count; i++) groups[i].Lr = rates[i];
        });
    }

    private sealed class NoBoost : IDisposable
    {
        public static readonly NoBoost Instance = new();
        public void Dispose() { }
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    public StepLosses Step(Tensor pre, Tensor post, Tensor already)
    {
        if (SingleGeneratorPass && StylizeSingleGeneratorPass.Applies(Generator)) return StylizeSingleGeneratorPass.Step(this, _optG, _optD, pre, post, already, () => Steps++);
        using var scope = NewDisposeScope();
        Generator.train();
        Discriminator?.train();

        double dValue = 0;
        if (Discriminator is not null)
        {
            _optD!.zero_grad();
            // The discriminator sees this output detached, so it runs without recording a graph: same values and the
            // same batch-norm statistic updates as the published step, less autograd work and memory.
            Tensor generatedForD;
            using (no_grad()) generatedForD = Generator.forward(pre);
            var dLoss = StylizeLosses.Discriminator(Discriminator, generatedForD, already);
            dLoss.backward();
            AverageDiscriminatorGradients();
            _optD.step();
            dValue = StylizeTrainer.Value(dLoss);
        }

        _optG.zero_grad();
        var generated = Generator.forward(pre);
        var zero = zeros(1, device: generated.device).sum();
        var image = UseImageLoss ? StylizeLosses.Image(generated, post) : zero;
        var perception = Perception is not null ? StylizeLosses.Perception(Perception, generated, post) : zero;
        var adversarial = Discriminator is not null ? StylizeLosses.Adversarial(Discriminator, generated) : zero;
        var total = Weights.GeneratorTotal(image, perception, adversarial);
        total.backward();
        AverageGeneratorGradients();
        _optG.step();
        Steps++;
        return new StepLosses(dValue, StylizeTrainer.Value(image), StylizeTrainer.Value(perception), StylizeTrainer.Value(adversarial), StylizeTrainer.Value(total));
    }

    /// <summary>Data parallel over <paramref name="comm"/>'s ranks: gradients averaged in buckets before every Adam step.</summary>
    internal void Distribute(ICommunicator comm)
    {
        if (comm.Size == 1) return;
        _gradientsG = new GradientBuckets(Generator.parameters(), comm);
        if (Discriminator is not null) _gradientsD = new GradientBuckets(Discriminator.parameters(), comm);
    }

    internal void AverageGeneratorGradients() => _gradientsG?.Average();

    /// <summary>A loss as a number, whatever its floating-point type.</summary>
    internal static double Value(Tensor t)
    {
        using var d = t.detach().to(ScalarType.Float64);
        return d.item<double>();
    }
    internal void AverageDiscriminatorGradients() => _gradientsD?.Average();

    /// <summary>Vivify's Adam (torch.optim.Adam 1.13 arithmetic, state in PyTorch's layout).</summary>
    private static Adam MakeAdam(IEnumerable<Parameter> parameters, OptimizerConfig args) =>
        new(parameters, lr: args.Lr, betas: (args.Betas[0], args.Betas[1]), weight_decay: args.WeightDecay);

    /// <summary>The generator's optimizer (for saving its state).</summary>
    public Adam GeneratorOptimizer => _optG;

    /// <summary>The discriminator's optimizer, when there is a discriminator.</summary>
    public Adam? DiscriminatorOptimizer => _optD;

    public void Dispose()
    {
        _optG.Dispose();
        _optD?.Dispose();
        _gradientsG?.Dispose();
        _gradientsD?.Dispose();
    }
}
