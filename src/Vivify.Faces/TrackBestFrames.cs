using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>What <see cref="TrackBestFrames.Find"/> found: each track's best frame (held as its crop), and of how many frames (those with the face) the crops were compared.</summary>
public sealed record BestFramesFound(InitialFrames Initial, int CropsWithFace, int Crops) : IDisposable
{
    public void Dispose() => Initial.Dispose();
}

/// <summary>
/// The published demo's <c>find_best_frame</c> for full-frame animation: the 68 landmarks of the source's face crop
/// and of every driving frame's tracked crop (both at the model's size, as the model sees them) are normalised
/// (<see cref="BestFrame.Normalise"/>: centred, divided by the square root of their convex hull's area), and in each
/// track the crop closest to the source's becomes the initial frame of that track's relative motion. One best frame
/// per track, not per video: relative motion restarts at every scene cut, and an initial frame from another shot
/// would measure the motion against another face or framing.
/// <para>
/// The face is not searched for again in a crop: the square (<see cref="FaceFraming.Square(FaceResult, double)"/>)
/// puts the landmarks' box in its middle, half its side, so the landmark network is run on the middle
/// <see cref="FaceBoxFraction"/> of the crop, as on a detector's box (the SSD misses many faces that fill half a
/// 256-pixel crop). Frames in which the tracker found no face are left out.
/// </para>
/// </summary>
public static class TrackBestFrames
{
    /// <summary>The side of the box given to the landmark network, as a fraction of the crop's: the landmarks' box (half the side) enlarged by 30 %, about a detector's box.</summary>
    public const double FaceBoxFraction = 0.65;

    /// <summary>
    /// Searches <paramref name="driving"/> (the frames <paramref name="track"/> was made from, in order) for each
    /// track's crop closest in pose to <paramref name="sourceCrop"/> ([3,h,w] in [0,1]: the source's face cut as it is
    /// animated; the driving crops are cut at the same size). A track in none of whose frames the tracker found the
    /// face keeps its first frame. Throws <see cref="NoFaceException"/> when no frame at all shows the face.
    /// </summary>
    public static BestFramesFound Find(FaceAnalyzer analyzer, Tensor sourceCrop, IEnumerable<RgbFrame> driving, FaceTrackResult track,
        string drivingName = "the driving video", long? frameCount = null,
        IProgressReporter? progress = null, CancellationToken cancel = default)
    {
        if (sourceCrop.dim() != 3 || sourceCrop.shape[0] != 3) throw new ArgumentException($"expected a crop [3,h,w], got [{string.Join(",", sourceCrop.shape)}]", nameof(sourceCrop));
        int height = (int)sourceCrop.shape[1], width = (int)sourceCrop.shape[2];
        var normalised = BestFrame.Normalise(Landmarks(analyzer, sourceCrop));
        var initial = new InitialFrames(track, (height, width));
        try
        {
            var distances = new Dictionary<int, double>();
            int index = 0, withFace = 0;
            using (var task = (progress ?? NoProgress.Instance).Start("best frame", frameCount))
            {
                foreach (var frame in driving)
                {
                    cancel.ThrowIfCancellationRequested();
                    var boxIndex = Math.Min(index, track.Boxes.Count - 1);
                    if (track.HasFace(index))
                    {
                        using var scope = NewDisposeScope();
                        var crop = FrameRegion.Cut(frame, track.Boxes[boxIndex], height, width);
                        withFace++;
                        var distance = BestFrame.Distance(normalised, BestFrame.Normalise(Landmarks(analyzer, crop)));
                        var start = track.TrackOf(boxIndex);
                        if (!distances.TryGetValue(start, out var best) || distance < best)
                        {
                            distances[start] = distance;
                            initial.Put(index, crop);
                        }
                    }
                    index++;
                    task.Advance();
                }
            }
            if (withFace == 0)
                throw new NoFaceException(drivingName, $"{drivingName}: the face was found in none of its {Counted.Of(index, "frame")}, so there is no best frame to start from; start from a frame of your choice instead");
            return new BestFramesFound(initial, withFace, index);
        }
        catch
        {
            initial.Dispose();
            throw;
        }
    }

    /// <summary>The 68 landmarks of the face in the middle of <paramref name="crop"/> [3,h,w], in its pixels.</summary>
    private static float[,] Landmarks(FaceAnalyzer analyzer, Tensor crop)
    {
        double height = crop.shape[1], width = crop.shape[2];
        double w = width * FaceBoxFraction, h = height * FaceBoxFraction;
        return analyzer.Landmarks(crop, new FaceDetection(1, (width - w) / 2, (height - h) / 2, w, h))!; // inside the crop: never null
    }
}
