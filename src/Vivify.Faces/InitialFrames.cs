using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// The initial frames of relative motion of a tracked driving video under <see cref="FrameMode.Paste"/> and
/// <see cref="FrameMode.Crop"/>, at most one per track (<see cref="FaceTrackResult.TrackStarts"/>): a track without
/// one measures its motion from its first frame, a track with one from that frame, forwards and backwards (the
/// published demo's <c>--best_frame</c>). Each is kept as its crop at the model's size, cut with the frame's own
/// track box, so its keypoints are those the frame gives when animated. Made by <see cref="Set"/> (a frame of your
/// choice) or <see cref="TrackBestFrames.Find"/>; given to <see cref="FullFrameAnimation.Animate(IEnumerable{RgbFrame}, FaceTrackResult, int, InitialFrames?, CancellationToken)"/>.
/// Dispose it when done.
/// </summary>
public sealed class InitialFrames(FaceTrackResult track, (int Height, int Width) cropSize) : IDisposable
{
    private readonly Dictionary<int, (int Frame, Tensor Crop)> _byTrack = [];

    public FaceTrackResult Track { get; } = track;

    public (int Height, int Width) CropSize { get; } = cropSize;

    /// <summary>Track start → that track's initial frame, for the tracks that have one.</summary>
    public IReadOnlyDictionary<int, int> Frames => _byTrack.ToDictionary(p => p.Key, p => p.Value.Frame);

    /// <summary>Makes driving frame <paramref name="frame"/> (<paramref name="picture"/>: the whole frame) the initial frame of its track.</summary>
    public void Set(int frame, RgbFrame picture)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        if (frame >= Track.Boxes.Count)
            throw new ArgumentOutOfRangeException(nameof(frame), frame, $"the track has {Track.Boxes.Count} frames");
        using var scope = NewDisposeScope();
        Put(frame, FrameRegion.Cut(picture, Track.Boxes[frame], CropSize.Height, CropSize.Width));
    }

    /// <summary>As <see cref="Set"/> with the frame's crop [3,h,w] already cut at its track box; the crop is copied.</summary>
    internal void Put(int frame, Tensor crop)
    {
        var start = Track.TrackOf(frame);
        if (_byTrack.Remove(start, out var old)) old.Crop.Dispose();
        _byTrack[start] = (frame, crop.detach().clone().DetachFromDisposeScope());
    }

    /// <summary>The initial crop of the track beginning at <paramref name="trackStart"/>, or null when it has none.</summary>
    internal Tensor? CropOf(int trackStart) => _byTrack.TryGetValue(trackStart, out var p) ? p.Crop : null;

    public void Dispose()
    {
        foreach (var (_, crop) in _byTrack.Values) crop.Dispose();
        _byTrack.Clear();
    }
}
