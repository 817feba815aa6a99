using Vivify.Faces;
using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Cli.Commands;

/// <summary>
/// <c>vivify animate --find-best-frame</c>: the published demo's <c>find_best_frame</c>. The 68 landmarks of the
/// source's face and of every driving frame's face (frames resized as the model sees them) are normalised, and the
/// driving frame closest to the source becomes the initial frame of relative motion.
/// </summary>
internal static class AnimateBestFrame
{
    /// <summary>The index of the best driving frame; messages for a source without a face, a profile view, or no face in the video.</summary>
    public static long Find(string sourcePath, Tensor source, VideoSource video, string drivingName, int? face, string? modelDir,
        IProgressReporter progress, TextWriter log, CancellationToken cancel)
    {
        using var analyzer = new FaceAnalyzer(FaceModels.Require(modelDir));
        var chosen = FaceChoice.Choose(analyzer.DetectWithLandmarks(source), face, sourcePath);
        if (FaceChoice.ProfileWarning(chosen, sourcePath) is { } warning) log.WriteLine($"vivify: warning: {warning}");
        var height = (int)source.shape[1];
        var width = (int)source.shape[2];

        var landmarks = new List<float[,]?>();
        using (var task = progress.Start("best frame", video.Info.FrameCount > 0 ? video.Info.FrameCount : null))
        {
            foreach (var frame in video.Frames(0, null, cancel))
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var image = Geometry.Resize(frame.ToTensor(), height, width);
                var faces = analyzer.DetectWithLandmarks(image);
                landmarks.Add(faces.Count == 0 ? null : faces.OrderByDescending(f => f.Detection.Area).First().Landmarks);
                task.Advance();
            }
        }
        var best = BestFrame.Find(chosen.Landmarks, landmarks, drivingName);
        log.WriteLine($"vivify: best frame {best} of {drivingName} ({landmarks.Count(l => l is not null)} of {landmarks.Count} frames show a face)");
        return best;
    }
}
