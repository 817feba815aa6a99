using Vivify.Torch.StateDicts;
using static TorchSharp.torch;

namespace Vivify.Stylize;

/// <summary>
/// An exponential moving average of the generator's weights, for inference (not in the published tool: Vivify's
/// addition against the step-to-step noise of adversarial training; Yazıcı et al., "The Unusual Effectiveness of
/// Averaging in GAN Training", ICLR 2019). After step n the average moves towards the trained weights by
/// 1 − β_n with β_n = min(<see cref="Decay"/>, (1 + n) / (10 + n)), so that it follows closely early on, when the
/// weights change fastest, and averages over about 1 / (1 − Decay) steps later. Batch-norm running statistics are
/// already averages and are copied as they are.
/// </summary>
public sealed class GeneratorAverage : IDisposable
{
    private readonly List<(Tensor Average, Tensor Trained, bool Floating)> _pairs;

    /// <param name="trained">The generator being trained.</param>
    /// <param name="copy">A new generator of the same architecture (its initial weights are overwritten).</param>
    public GeneratorAverage(GeneratorJ trained, GeneratorJ copy, double decay = 0.999)
    {
        if (decay is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(decay), "decay must be in [0, 1)");
        Decay = decay;
        Model = copy;
        StateDict.Load(Model, StateDict.Of(trained), strict: true, source: "the trained generator");
        var a = StateDict.Of(Model);
        var t = StateDict.Of(trained);
        var isParameter = new HashSet<string>(trained.named_parameters().Select(p => p.name));
        _pairs = a.Zip(t, (x, y) => (x.Value, y.Value, isParameter.Contains(y.Key))).ToList();
        foreach (var p in Model.parameters()) p.requires_grad = false;
    }

    /// <summary>The averaged generator (owned by this object).</summary>
    public GeneratorJ Model { get; }

    public double Decay { get; }

    /// <summary>Updates taken so far.</summary>
    public long Updates { get; private set; }

    /// <summary>Moves the average towards the trained generator's current weights; call after each training step.</summary>
    public void Update()
    {
        var beta = Math.Min(Decay, (1.0 + Updates) / (10.0 + Updates));
        using var _ = no_grad();
        foreach (var (average, trained, floating) in _pairs)
        {
            if (floating) average.lerp_(trained, 1 - beta);
            else average.copy_(trained);
        }
        Updates++;
    }

    /// <summary>
    /// Starts the warm-up of β_n again from the current average (n back to 0), so that it follows the trained weights
    /// closely for a while: after the painting is replaced, the weights averaged so far were trained on the old one.
    /// </summary>
    public void Restart() => Updates = 0;

    /// <summary>
    /// Continues an average saved in a model file: its weights and update count. A file saved without an average
    /// (<paramref name="updates"/> 0) restarts the average from the weights given.
    /// </summary>
    public void Restore(Vivify.Torch.Checkpoints.PyDict averaged, long updates, string source)
    {
        StateDict.Load(Model, averaged, strict: true, source: source);
        Updates = updates;
    }

    public void Dispose() => Model.Dispose();
}
