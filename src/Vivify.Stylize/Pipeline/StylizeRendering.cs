using Vivify.Media;
using Vivify.Stylize.Prep;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>Stylizing a clip's frames in batches: to a callback, or to a video (and a side-by-side preview).</summary>
public static class StylizeRendering
{
    /// <summary>
    /// Stylizes every frame of <paramref name="prep"/>'s clip in order, <paramref name="batch"/> frames at a time, with
    /// <paramref name="stylize"/> (model-space inputs [N,C,H,W] → [N,3,H,W] in [-1,1], e.g. <see cref="StylizeSession.Stylize"/>),
    /// and hands each result to <paramref name="onFrame"/>: its frame number and the picture [3,H,W] in [0,1], valid
    /// during the call only (clone it to keep it).
    /// </summary>
    public static void Render(FramePrep prep, Func<Tensor, Tensor> stylize, Action<int, Tensor> onFrame, int batch = 4,
        IProgressReporter? progress = null, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        using var task = (progress ?? NoProgress.Instance).Start("stylize", prep.Clip.Count);
        for (var first = 0; first < prep.Clip.Count; first += batch)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var n = Math.Min(batch, prep.Clip.Count - first);
            var inputs = stack(Enumerable.Range(first, n).Select(prep.Input).ToArray());
            var result = stylize(inputs).add(S(1), One) / S(2);
            for (var i = 0; i < n; i++) onFrame(first + i, result[i]);
            task.Advance(n);
            // Frames are visited in order: flows the pre-filter's window has passed are not needed again.
            prep.Clip.ReleaseFlowsBefore(first + n - TemporalBilateral.PublishedRange - 1);
        }
    }

    /// <summary>
    /// Stylizes the clip into the video (or PNG folder) <paramref name="output"/> at <paramref name="frameRate"/>, with
    /// the audio of <paramref name="audioFrom"/> when given, and optionally a side-by-side input | stylized video
    /// <paramref name="preview"/>. The outputs are complete when this returns.
    /// </summary>
    public static void WriteVideo(FramePrep prep, Func<Tensor, Tensor> stylize, string output, string frameRate, string? preview = null,
        int batch = 4, IProgressReporter? progress = null, CancellationToken cancel = default, string? audioFrom = null)
    {
        var options = new VideoWriteOptions { FrameRate = frameRate, AudioFrom = audioFrom };
        using var writer = new VideoWriter(output, options);
        using var side = preview is null ? null : new VideoWriter(preview, options);
        Render(prep, stylize, (f, y) =>
        {
            writer.Write(y);
            if (side is null) return;
            using var original = CvImage.ToUnit(prep.Clip[f]);
            var height = (int)Math.Min(prep.Clip.Height, 360);
            using var panel = SideBySide.Compose([original, y], height, ["input", "stylized"]);
            side.Write(panel);
        }, batch, progress, cancel);
        writer.Complete();
        side?.Complete();
    }
}
