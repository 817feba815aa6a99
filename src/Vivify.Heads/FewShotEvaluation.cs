using System.Diagnostics;
using Vivify.Heads.Data;
using static TorchSharp.torch;

namespace Vivify.Heads;

/// <summary>
/// One video of an unseen person cut for a few-shot test: K shots (frames and landmark images [K,3,S,S]) spread
/// evenly over the video's first frames, and the held-out frames (the video's last ones) that fine-tuned models
/// must draw from their landmarks alone, as the paper evaluates on hold-out frames of the same sequences.
/// </summary>
public sealed class FewShotSplit : IDisposable
{
    private FewShotSplit(string video, Tensor shotFrames, Tensor shotLandmarks, Tensor testFrames, Tensor testLandmarks)
    {
        Video = video;
        ShotFrames = shotFrames;
        ShotLandmarks = shotLandmarks;
        TestFrames = testFrames;
        TestLandmarks = testLandmarks;
    }

    public string Video { get; }
    public Tensor ShotFrames { get; }
    public Tensor ShotLandmarks { get; }
    public Tensor TestFrames { get; }
    public Tensor TestLandmarks { get; }
    public int Shots => (int)ShotFrames.shape[0];

    /// <summary>The last <paramref name="heldOut"/> frames of <paramref name="video"/> are the test; <paramref name="shots"/> frames evenly spaced over the rest are the shots.</summary>
    public static FewShotSplit Of(HeadsVideo video, int shots, int heldOut, int size)
    {
        var frames = video.Frames;
        if (shots < 1 || heldOut < 1) throw new ArgumentOutOfRangeException(nameof(shots), "a few-shot split needs at least one shot and one held-out frame");
        if (frames.Count < shots + heldOut)
            throw new InvalidInputException(video.Id, $"{video.Id}: {frames.Count} frames, fewer than {shots} shots + {heldOut} held-out frames; use a longer video or fewer shots");
        int rest = frames.Count - heldOut;
        var shotIndices = Enumerable.Range(0, shots).Select(i => (int)((long)i * rest / shots)).ToList();
        var testIndices = Enumerable.Range(rest, heldOut).ToList();
        var (sf, sl) = Read(video, shotIndices, size);
        var (tf, tl) = Read(video, testIndices, size);
        return new FewShotSplit(video.Id, sf, sl, tf, tl);
    }

    private static (Tensor Frames, Tensor Landmarks) Read(HeadsVideo video, IEnumerable<int> indices, int size)
    {
        using var scope = NewDisposeScope();
        var pairs = indices.Select(i => { var (c, f) = video.Frames[i]; return video.Clips[c].Read(f, size); }).ToList();
        var frames = stack(pairs.Select(p => p.Frame).ToArray());
        var landmarks = stack(pairs.Select(p => p.Landmarks).ToArray());
        return (frames.MoveToOuterDisposeScope(), landmarks.MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        ShotFrames.Dispose();
        ShotLandmarks.Dispose();
        TestFrames.Dispose();
        TestLandmarks.Dispose();
    }
}

/// <summary>Where fine-tuning starts: the meta-learned networks, or the same networks freshly initialised.</summary>
public enum FewShotStart { MetaLearned, Scratch }

/// <summary>
/// The held-out error of one fine-tuning run: mean L1 and SSIM over the held-out frames, before and after; the landmark
/// error and CSIM (<see cref="FewShotFaceMetrics"/>) when face-api's networks were given, NaN otherwise.
/// </summary>
public sealed record FewShotResult(string Video, FewShotStart Start, int Shots, int Steps, double Seconds, double L1Before, double L1, double Ssim,
    double LandmarkError = double.NaN, double Csim = double.NaN);

/// <summary>
/// The few-shot experiment of Zakharov et al. Sec. 4 on one split: fine-tune (<see cref="FineTuner"/>: ψ' = P ê,
/// w' = w₀ + ê, G and D trained on the shots) a model for a number of steps, then let G draw the held-out frames
/// from their landmarks with ψ' and compare them with the real frames. Started from a meta-learned model this is
/// the paper's method; started from freshly initialised networks of the same configuration it is the
/// from-scratch baseline that meta-learning must beat at equal work.
/// </summary>
public static class FewShotEvaluation
{
    /// <param name="model">The networks to fine-tune (changed in place).</param>
    /// <param name="content">L_CNT; null: mean absolute pixel difference (no VGG19 weights).</param>
    /// <param name="drawn">The held-out frames as the fine-tuned G draws them [T,3,S,S].</param>
    /// <param name="onStep">Called after every fine-tuning step.</param>
    /// <param name="faces">When given, the landmark error and CSIM of the drawn frames are measured too.</param>
    public static FewShotResult Run(HeadsModel model, FewShotStart start, FewShotSplit split, int steps, ContentLoss? content, out Tensor drawn,
        int batchSize = 8, int seed = 0, Action<FineTuneLosses>? onStep = null, CancellationToken cancel = default, FewShotFaceMetrics? faces = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        using var tuner = new FineTuner(model, split.ShotFrames, split.ShotLandmarks, content, batchSize, seed);
        double l1Before;
        using (var untuned = Render(model.Generator, tuner.PsiPrime, split.TestLandmarks)) l1Before = HeadsMetrics.L1(untuned, split.TestFrames);
        var clock = Stopwatch.StartNew();
        for (int s = 0; s < steps; s++)
        {
            cancel.ThrowIfCancellationRequested();
            var losses = tuner.Step();
            onStep?.Invoke(losses);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        drawn = Render(model.Generator, tuner.PsiPrime, split.TestLandmarks);
        var (l1, ssim) = Scores(drawn, split.TestFrames);
        var face = faces?.Score(drawn, split.TestFrames) ?? new FaceScores(double.NaN, double.NaN, 0);
        return new FewShotResult(split.Video, start, split.Shots, steps, seconds, l1Before, l1, ssim, face.LandmarkError, face.Csim);
    }

    /// <summary>The held-out frames G draws with <paramref name="psi"/> [T,3,S,S] (eval mode, no gradients).</summary>
    public static Tensor Render(Generator generator, Tensor psi, Tensor landmarks)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        generator.eval();
        var parts = new List<Tensor>();
        for (long s = 0; s < landmarks.shape[0]; s += 8)
            parts.Add(generator.Synthesize(landmarks.narrow(0, s, Math.Min(8, landmarks.shape[0] - s)), psi));
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Mean L1 and mean per-frame SSIM of drawn frames against the real ones, both [T,3,S,S].</summary>
    public static (double L1, double Ssim) Scores(Tensor drawn, Tensor real)
    {
        using var scope = NewDisposeScope();
        double l1 = HeadsMetrics.L1(drawn, real), ssim = 0;
        long t = drawn.shape[0];
        for (long i = 0; i < t; i++) ssim += HeadsMetrics.Ssim(drawn[i], real[i]);
        return (l1, ssim / t);
    }
}
