using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>
/// How training answers a repaint (the studio's live editing; Vivify's own, not in the published tool): for
/// <see cref="Steps"/> steps after the painting is replaced, a share of each batch's patches, <see cref="Share"/> at
/// first and falling linearly to none, is centred on the pixels the repaint changed (<see cref="Changed"/>), so the
/// network learns the new colours there first; and with <see cref="RestartAverage"/> the generator average used for
/// inference starts its warm-up again (<see cref="GeneratorAverage.Restart"/>), so it follows the weights trained on
/// the new painting instead of averaging them with those trained on the old one; and the generator's learning rate is
/// multiplied by <see cref="LearningRateBoost"/> at first, falling linearly back to the configured rate over
/// <see cref="BoostSteps"/> steps, so that its weights move to the new colours in fewer steps; and with
/// <see cref="ResetGeneratorOptimizer"/> the generator's Adam starts afresh. Ordinary training has none of this.
/// </summary>
public sealed record RepaintFocus
{
    /// <summary>The share of patches centred in the changed region right after a repaint, 0–1.</summary>
    public double Share { get; init; } = 0.75;

    /// <summary>Steps over which that share falls back to uniform sampling.</summary>
    public int Steps { get; init; } = 200;

    /// <summary>The generator's learning rate right after a repaint, as a multiple of the configured one (1: unchanged).</summary>
    public double LearningRateBoost { get; init; } = 3;

    /// <summary>Steps over which the boosted learning rate falls back to the configured one.</summary>
    public int BoostSteps { get; init; } = 100;

    /// <summary>The learning-rate multiple <paramref name="step"/> steps after a repaint (0: the first step).</summary>
    public double BoostAt(long step) =>
        BoostSteps <= 0 || step >= BoostSteps ? 1 : 1 + (LearningRateBoost - 1) * (1 - (double)step / BoostSteps);

    /// <summary>Restart the generator average's warm-up when a repaint changed any pixel.</summary>
    public bool RestartAverage { get; init; } = true;

    /// <summary>
    /// Clear the generator's Adam state when a repaint changed any pixel (<see cref="Vivify.Torch.Optim.Adam.ClearState"/>):
    /// its moment estimates, the second one averaged over about a thousand steps, describe the gradients of the old
    /// painting; afresh, Adam's first bias-corrected steps move each weight by about the learning rate. Without it
    /// some repaints took hundreds of steps to show in a preview; with it a few dozen (bench/serve-stylize:
    /// repaint-steps.md counts the steps, results.md times the studio).
    /// </summary>
    public bool ResetGeneratorOptimizer { get; init; } = true;

    /// <summary>A painted value differs when a channel moved by more than this (model space [-1,1]; about 2 of 255).</summary>
    public const double Tolerance = 4.0 / 255;

    /// <summary>
    /// Per new keyframe, where it differs from the previous keyframe of the same input frame: [H,W] booleans, painted
    /// colour or mask changed; all true for a keyframe whose frame had none before; null when nothing changed. Null
    /// as a whole when no new keyframe matches a previous one (a new clip or guide: nothing to focus on, nothing known).
    /// </summary>
    public static Tensor?[]? Changed(IReadOnlyList<Keyframe> previous, IReadOnlyList<Keyframe> next)
    {
        var changed = new Tensor?[next.Count];
        var matched = false;
        for (var i = 0; i < next.Count; i++)
        {
            var k = next[i];
            var old = previous.FirstOrDefault(p => SameFrame(p, k));
            if (old is null)
            {
                changed[i] = ones(k.Post.shape[1], k.Post.shape[2], dtype: ScalarType.Bool);
                continue;
            }
            matched = true;
            using var scope = NewDisposeScope();
            var d = (k.Post - old.Post).abs().amax([0]) > S(Tolerance);
            if (k.Mask is not null || old.Mask is not null) d = d.logical_or(MaskOf(k).ne(MaskOf(old)));
            changed[i] = d.any().item<bool>() ? d.MoveToOuterDisposeScope() : null;
        }
        if (matched) return changed;
        foreach (var c in changed) c?.Dispose();
        return null;
    }

    private static bool SameFrame(Keyframe a, Keyframe b) =>
        ReferenceEquals(a.Pre, b.Pre) || (a.Pre.shape.SequenceEqual(b.Pre.shape) && a.Pre.Equals(b.Pre));

    private static Tensor MaskOf(Keyframe k) => k.Mask is null ? ones(k.Post.shape[1], k.Post.shape[2]) : (k.Mask.to(ScalarType.Float32) >= S(0.4)).to(ScalarType.Float32);
}
