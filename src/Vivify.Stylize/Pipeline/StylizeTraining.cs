using System.Diagnostics;

namespace Vivify.Stylize;

/// <summary>How long to train: a step count, a time budget, or both (whichever ends first); neither means until cancelled.</summary>
public sealed record TrainingBudget(long? Steps, double? Minutes)
{
    /// <summary>Until cancelled.</summary>
    public static readonly TrainingBudget Unlimited = new(null, null);

    /// <summary>Throws when a given limit is not positive.</summary>
    public TrainingBudget Validated()
    {
        if (Steps is <= 0) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "a step budget must be at least 1");
        if (Minutes is not null && !(Minutes > 0)) throw new ArgumentOutOfRangeException(nameof(Minutes), Minutes, "a time budget must be more than 0 minutes");
        return this;
    }
}

/// <summary>Where training keeps its model while it runs: the file, and every how many steps it is written (0: at the end and when interrupted only).</summary>
public sealed record TrainingSaves(string ModelPath, long Every = 0);

/// <summary>The training loop of a <see cref="StylizeSession"/>: steps until the budget is spent, with progress, cancellation and saves.</summary>
public static class StylizeTraining
{
    /// <summary>
    /// Trains until <paramref name="budget"/> is spent or <paramref name="cancel"/> fires. With <paramref name="saves"/>, the
    /// model is written there (atomically) every <see cref="TrainingSaves.Every"/> steps and, when cancelled with steps
    /// not yet written, before <see cref="OperationCanceledException"/> propagates; <paramref name="log"/> is told so.
    /// Data parallel (<see cref="StylizeSession.Distribute"/>): a time budget ends on rank 0's clock on every rank.
    /// Returns the steps taken in this call.
    /// </summary>
    public static long Train(StylizeSession session, TrainingBudget budget, IProgressReporter? progress = null, CancellationToken cancel = default,
        TrainingSaves? saves = null, Action<string>? log = null)
    {
        budget.Validated();
        var start = session.Steps;
        var saved = session.Steps;
        try { Steps(session, budget, progress ?? NoProgress.Instance, cancel, saves, ref saved); }
        catch (OperationCanceledException) when (saves is not null && session.Steps > saved)
        {
            session.Save(saves.ModelPath);
            log?.Invoke($"interrupted after {Counted.Of(session.Steps, "step")}; the model is saved in {saves.ModelPath}");
            throw;
        }
        return session.Steps - start;
    }

    private static void Steps(StylizeSession session, TrainingBudget budget, IProgressReporter progress, CancellationToken cancel,
        TrainingSaves? saves, ref long saved)
    {
        var clock = Stopwatch.StartNew();
        var start = session.Steps;
        using var task = progress.Start("train", budget.Steps, "steps");
        double d = 0, img = 0, per = 0, adv = 0;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            if (budget.Steps is long s && session.Steps - start >= s) break;
            if (budget.Minutes is double m && session.Agreed(clock.Elapsed.TotalMinutes >= m)) break; // data parallel: rank 0's clock
            var l = session.Step();
            // Running averages over about the last 20 steps.
            var a = session.Steps - start == 1 ? 1.0 : 0.05;
            d += a * (l.Discriminator - d); img += a * (l.Image - img); per += a * (l.Perception - per); adv += a * (l.Adversarial - adv);
            task.Status(session.Perception is null
                ? $"L1 {img:0.0000} adv {adv:0.000} D {d:0.000}"
                : $"L1 {img:0.0000} vgg {per:0.0000} adv {adv:0.000} D {d:0.000}");
            task.Advance();
            if (saves is { Every: > 0 } && session.Steps % saves.Every == 0)
            {
                session.Save(saves.ModelPath);
                saved = session.Steps;
            }
        }
    }
}
