using TorchSharp;
using TorchSharp.Modules;
using Adam = Vivify.Torch.Optim.Adam;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>
/// <see cref="StylizeTrainer.SingleGeneratorPass"/>: the published training step with one generator forward pass instead
/// of two. The published step computes G(pre) for the discriminator update, then again, with unchanged generator weights,
/// for the generator update; in train mode batch norm normalises with the batch's own statistics, so both passes return
/// the same tensor. Each pass also moves every batch-norm running average towards the same batch statistics s:
/// twice r ← (1 − m)·r + m·s equals once r ← (1 − m′)·r + m′·s with m′ = 1 − (1 − m)², which is what the single pass
/// applies (GeneratorJ's conv2 runs twice within a pass, as published, and so gets two m′ updates for the published four).
/// </summary>
internal static class StylizeSingleGeneratorPass
{
    /// <summary>Exponential running averages only (batch norm with momentum null averages cumulatively: not handled).</summary>
    public static bool Applies(GeneratorJ g) => g.modules().OfType<BatchNorm2d>().All(n => n.momentum is not null);

    public static StepLosses Step(StylizeTrainer t, Adam optG, Adam? optD, Tensor pre, Tensor post, Tensor already, Action counted)
    {
        using var scope = NewDisposeScope();
        t.Generator.train();
        t.Discriminator?.train();
        var norms = t.Generator.modules().OfType<BatchNorm2d>().ToList();
        var momenta = norms.Select(n => n.momentum).ToList();
        var tracked = norms.Select(n => n.num_batches_tracked?.item<long>() ?? 0).ToList();
        Tensor generated;
        try
        {
            foreach (var n in norms) n.momentum = 1 - (1 - n.momentum!.Value) * (1 - n.momentum!.Value);
            generated = t.Generator.forward(pre);
        }
        finally
        {
            for (var i = 0; i < norms.Count; i++) norms[i].momentum = momenta[i];
        }
        // The published second pass also counts its batches once more.
        using (no_grad())
            for (var i = 0; i < norms.Count; i++)
                if (norms[i].num_batches_tracked is { } nbt) nbt.add_(S(nbt.item<long>() - tracked[i]), One);

        double dValue = 0;
        if (t.Discriminator is not null)
        {
            optD!.zero_grad();
            var dLoss = StylizeLosses.Discriminator(t.Discriminator, generated, already);
            dLoss.backward();
            t.AverageDiscriminatorGradients();
            optD.step();
            dValue = StylizeTrainer.Value(dLoss);
        }

        optG.zero_grad();
        var zero = zeros(1, device: generated.device).sum();
        var image = t.UseImageLoss ? StylizeLosses.Image(generated, post) : zero;
        var perception = t.Perception is not null ? StylizeLosses.Perception(t.Perception, generated, post) : zero;
        var adversarial = t.Discriminator is not null ? StylizeLosses.Adversarial(t.Discriminator, generated) : zero;
        var total = t.Weights.GeneratorTotal(image, perception, adversarial);
        total.backward();
        t.AverageGeneratorGradients();
        optG.step();
        counted();
        return new StepLosses(dValue, StylizeTrainer.Value(image), StylizeTrainer.Value(perception), StylizeTrainer.Value(adversarial), StylizeTrainer.Value(total));
    }
}
