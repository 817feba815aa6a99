using Vivify.Faces;
using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Motion;

/// <summary>
/// The published demo's <c>find_best_frame</c> for <see cref="Animator.FindBestFrame"/>: the 68 landmarks of the
/// source's face and of every driving frame's face (frames resized as the model sees them) are normalised
/// (<see cref="BestFrame"/>), and the driving frame closest to the source is the initial frame of relative motion.
/// </summary>
internal static class BestFrameSearch
{
    public static BestFrameResult Find(AnimationSource source, IEnumerable<RgbFrame> driving, long? frameCount, string drivingName,
        string? modelDir, int? face, IProgressReporter progress, CancellationToken cancel)
    {
        using var analyzer = new FaceAnalyzer(FaceModels.Require(modelDir));
        var chosen = FaceChoice.Choose(analyzer.DetectWithLandmarks(source.Image), face, source.Name);
        var warning = FaceChoice.ProfileWarning(chosen, source.Name);
        var height = (int)source.Image.shape[1];
        var width = (int)source.Image.shape[2];

        var landmarks = new List<float[,]?>();
        using (var task = progress.Start("best frame", frameCount))
        {
            foreach (var frame in driving)
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
        return new BestFrameResult(best, landmarks.Count(l => l is not null), landmarks.Count, warning);
    }
}
