using System.Diagnostics;
using Vivify.Media;
using Vivify.Stylize;
using Vivify.Stylize.Prep;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Cli.Commands;

/// <summary>The two long loops of the stylize commands: training steps, and rendering frames in batches.</summary>
internal static class StylizeRun
{
    /// <summary>How long to train: a step count, a time budget, or both (whichever ends first).</summary>
    public sealed record Budget(long? Steps, double? Minutes)
    {
        public static Budget From(long? steps, double? minutes, long defaultSteps)
        {
            if (steps is <= 0) throw new UsageException("--steps must be at least 1");
            if (minutes is <= 0) throw new UsageException("--minutes must be more than 0");
            return steps is null && minutes is null ? new Budget(defaultSteps, null) : new Budget(steps, minutes);
        }
    }

    /// <summary>
    /// Trains until the budget is spent. With <paramref name="modelPath"/>, the model is saved there (atomically) every
    /// <paramref name="every"/> steps (0: never) and, with the steps since, when interrupted, which <paramref name="log"/> is told.
    /// </summary>
    public static void Train(StylizeSession session, Budget budget, IProgressReporter progress, CancellationToken cancel,
        long every = 0, string? modelPath = null, TextWriter? log = null)
    {
        var saved = session.Steps;
        try { Steps(session, budget, progress, cancel, every, modelPath, ref saved); }
        catch (OperationCanceledException) when (modelPath is not null && session.Steps > saved)
        {
            session.Save(modelPath);
            log?.WriteLine($"stylize: interrupted after {Counted.Of(session.Steps, "step")}; the model is saved in {modelPath}");
            throw;
        }
    }

    private static void Steps(StylizeSession session, Budget budget, IProgressReporter progress, CancellationToken cancel,
        long every, string? modelPath, ref long saved)
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
            if (every > 0 && modelPath is not null && session.Steps % every == 0)
            {
                session.Save(modelPath);
                saved = session.Steps;
            }
        }
    }

    /// <summary>Stylizes the clip's frames in batches and writes them (optionally also a side-by-side preview), with the audio of <paramref name="audio"/>.</summary>
    public static void Render(Func<Tensor, Tensor> stylize, FramePrep prep, string output, string frameRate, string? preview,
        int batch, IProgressReporter progress, CancellationToken cancel, string? audio = null)
    {
        var options = new VideoWriteOptions { FrameRate = frameRate, AudioFrom = audio };
        using var writer = new VideoWriter(output, options);
        using var side = preview is null ? null : new VideoWriter(preview, options);
        using (var task = progress.Start("stylize", prep.Clip.Count))
        {
            for (var first = 0; first < prep.Clip.Count; first += batch)
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var n = Math.Min(batch, prep.Clip.Count - first);
                var inputs = stack(Enumerable.Range(first, n).Select(prep.Input).ToArray());
                var result = stylize(inputs).add(S(1), One) / S(2);
                for (var i = 0; i < n; i++)
                {
                    writer.Write(result[i]);
                    if (side is not null)
                    {
                        using var original = CvImage.ToUnit(prep.Clip[first + i]);
                        var height = (int)Math.Min(prep.Clip.Height, 360);
                        side.Write(SideBySide.Compose([original, result[i]], height, ["input", "stylized"]));
                    }
                }
                task.Advance(n);
                // Frames are visited in order: flows the pre-filter's window has passed are not needed again.
                prep.Clip.ReleaseFlowsBefore(first + n - TemporalBilateral.PublishedRange - 1);
            }
        }
        writer.Complete();
        side?.Complete();
    }
}
