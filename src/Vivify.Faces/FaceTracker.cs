namespace Vivify.Faces;

/// <summary>
/// Follows faces from frame to frame (each new face joins the track whose last box overlaps it most, IoU ≥ 0.3; the
/// others start tracks; tracks without a face end) and smooths each track's landmarks with its own
/// <see cref="LandmarkSmoother"/> (the One Euro filter).
/// </summary>
public sealed class FaceTracker(double fps, double minCutoff = 1.0, double beta = 0.05)
{
    private const double MinIoU = 0.3;
    private List<(FaceDetection Box, LandmarkSmoother Smoother)> _tracks = [];

    /// <summary>The frame's faces with smoothed landmarks, in the given order.</summary>
    public List<FaceResult> Smooth(IReadOnlyList<FaceResult> faces)
    {
        var free = new List<(FaceDetection Box, LandmarkSmoother Smoother)>(_tracks);
        var next = new List<(FaceDetection, LandmarkSmoother)>();
        var result = new List<FaceResult>();
        // Best overlaps first, so a face does not take the track that fits another face better.
        var pairs = faces.SelectMany((f, i) => free.Select((t, j) => (i, j, iou: f.Detection.IoU(t.Box))))
            .Where(p => p.iou >= MinIoU).OrderByDescending(p => p.iou).ToList();
        var assigned = new Dictionary<int, LandmarkSmoother>();
        var taken = new HashSet<int>();
        foreach (var (i, j, _) in pairs)
        {
            if (assigned.ContainsKey(i) || taken.Contains(j)) continue;
            assigned[i] = free[j].Smoother;
            taken.Add(j);
        }
        for (var i = 0; i < faces.Count; i++)
        {
            var smoother = assigned.TryGetValue(i, out var s) ? s : new LandmarkSmoother(fps, minCutoff, beta);
            result.Add(faces[i] with { Landmarks = smoother.Smooth(faces[i].Landmarks) });
            next.Add((faces[i].Detection, smoother));
        }
        _tracks = next;
        return result;
    }
}
