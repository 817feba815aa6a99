using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// Full-frame animation around any crop animator (<see cref="ICropAnimator"/>: a motion model at its own size, or a
/// test's fake): the source's face squares are cut out once and given to the animator; each driving frame's tracked
/// square (<see cref="FaceTrackResult"/>) is cut out at the model's size, the batch animated, and every animated crop
/// pasted back into the source picture at its full resolution (<see cref="FrameMode.Paste"/>, one square per face)
/// or given alone (<see cref="FrameMode.Crop"/>, one face). Only crops go through the animator; a frame costs a copy
/// of the picture's bytes plus work in proportion to the squares. Dispose it when done.
/// </summary>
public sealed class FullFrameAnimation : IDisposable
{
    private static readonly string[] PanelLabels = ["source", "driving", "result"];

    private readonly ICropAnimator _animator;
    private readonly PasteBack? _paste;
    private readonly Tensor _sourceCrop;        // [3,h,w] the first face's crop, for crop-mode panels
    private Tensor? _sourcePanel;               // the source at the panels' height

    public FullFrameAnimation(ICropAnimator animator, RgbFrame source, IReadOnlyList<SquareBox> faces, FrameMode mode, PasteOptions? paste = null)
    {
        if (mode == FrameMode.Whole) throw new ArgumentException("full-frame animation pastes or crops; the whole frame is the model's own path", nameof(mode));
        if (faces.Count == 0) throw new ArgumentException("no face square to animate", nameof(faces));
        if (mode == FrameMode.Crop && faces.Count != 1) throw new ArgumentException($"crop mode animates one face, not {faces.Count}", nameof(faces));
        _animator = animator;
        Source = source;
        Faces = faces.ToList();
        Mode = mode;
        var (h, w) = animator.CropSize;
        using (var scope = NewDisposeScope())
        {
            var crops = stack(Faces.Select(b => FrameRegion.Cut(source, b, h, w)).ToArray());
            animator.SetSources(crops);
            _sourceCrop = crops[0].clone().DetachFromDisposeScope(); // held until Dispose
        }
        if (mode == FrameMode.Paste)
        {
            try { _paste = new PasteBack(source, Faces, paste); }
            catch { _sourceCrop.Dispose(); throw; }
        }
    }

    public RgbFrame Source { get; }
    public IReadOnlyList<SquareBox> Faces { get; }
    public FrameMode Mode { get; }

    /// <summary>Show source | driving | result panels (full frames under paste, crops under crop) at a common height.</summary>
    public bool SideBySide { get; init; }

    /// <summary>The panels' height under paste: the picture's, at most this.</summary>
    public int MaxPanelHeight { get; init; } = 1080;

    /// <summary>The output frames' size (panels: known only from the first frame, null).</summary>
    public (int Width, int Height)? OutputSize =>
        SideBySide ? null : Mode == FrameMode.Paste ? (Source.Width, Source.Height) : (_animator.CropSize.Width, _animator.CropSize.Height);

    /// <summary>
    /// The output frame of every driving frame, in order; <paramref name="track"/> holds a box for each (a video that
    /// gives more frames than the track knows keeps its last box). <paramref name="batch"/> frames go through the
    /// animator at a time. Each track's relative motion is measured from its first frame.
    /// </summary>
    public IEnumerable<RgbFrame> Animate(IEnumerable<RgbFrame> driving, FaceTrackResult track, int batch, CancellationToken cancel = default) =>
        Animate(driving, track, batch, null, cancel);

    /// <summary>
    /// As <see cref="Animate(IEnumerable{RgbFrame}, FaceTrackResult, int, CancellationToken)"/>, the tracks that
    /// <paramref name="initial"/> holds a frame for (the best frame: <see cref="TrackBestFrames.Find"/>, or a frame of
    /// the caller's choice) measuring their relative motion from it, forwards and backwards.
    /// </summary>
    public IEnumerable<RgbFrame> Animate(IEnumerable<RgbFrame> driving, FaceTrackResult track, int batch, InitialFrames? initial, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        if (track.Boxes.Count == 0) throw new ArgumentException("the track has no frame", nameof(track));
        if (initial is not null && (!ReferenceEquals(initial.Track, track) || initial.CropSize != _animator.CropSize))
            throw new ArgumentException("the initial frames were found for another track or crop size", nameof(initial));
        return Frames(driving, track, batch, initial, cancel);
    }

    private IEnumerable<RgbFrame> Frames(IEnumerable<RgbFrame> driving, FaceTrackResult track, int batch, InitialFrames? initial, CancellationToken cancel)
    {
        var starts = track.TrackStarts.ToHashSet();
        starts.Add(0);
        var pending = new List<RgbFrame>(batch);
        var index = 0;
        foreach (var frame in driving)
        {
            cancel.ThrowIfCancellationRequested();
            pending.Add(frame);
            if (pending.Count < batch) continue;
            foreach (var result in Flush(pending, index, track, starts, initial)) yield return result;
            index += pending.Count;
            pending.Clear();
        }
        if (pending.Count > 0)
            foreach (var result in Flush(pending, index, track, starts, initial)) yield return result;
    }

    // A batch through the animator; the results are frames (no tensor outlives the scope, which is not held across a yield).
    private List<RgbFrame> Flush(List<RgbFrame> frames, int first, FaceTrackResult track, HashSet<int> starts, InitialFrames? initial)
    {
        using var scope = NewDisposeScope();
        var (h, w) = _animator.CropSize;
        var boxes = frames.Select((_, i) => track.Boxes[Math.Min(first + i, track.Boxes.Count - 1)]).ToList();
        var crops = stack(frames.Select((f, i) => FrameRegion.Cut(f, boxes[i], h, w)).ToArray());
        var localStarts = Enumerable.Range(0, frames.Count).Where(i => starts.Contains(first + i)).ToList();
        var initialCrops = new Dictionary<int, Tensor>();
        foreach (var i in localStarts)
            if (initial?.CropOf(first + i) is { } crop) initialCrops[i] = crop;
        var animated = _animator.Animate(crops, localStarts, initialCrops);
        if (animated.dim() != 5 || animated.shape[0] != Faces.Count || animated.shape[1] != frames.Count)
            throw new InvalidOperationException($"the crop animator gave [{string.Join(",", animated.shape)}] for {Faces.Count} faces and {frames.Count} frames");
        var results = new List<RgbFrame>(frames.Count);
        for (var i = 0; i < frames.Count; i++)
        {
            using var frameScope = NewDisposeScope();
            if (Mode == FrameMode.Crop)
            {
                var crop = animated[0, i];
                results.Add(RgbFrame.FromTensor(SideBySide ? Vivify.Media.SideBySide.Compose([_sourceCrop, crops[i], crop], h, PanelLabels) : crop));
                continue;
            }
            var pasted = _paste!.Compose(Enumerable.Range(0, Faces.Count).Select(f => animated[f, i]).ToList());
            results.Add(SideBySide ? Panels(frames[i], pasted) : pasted);
        }
        return results;
    }

    private RgbFrame Panels(RgbFrame driving, RgbFrame result)
    {
        using var scope = NewDisposeScope();
        var height = Math.Min(Source.Height, MaxPanelHeight);
        _sourcePanel ??= Panel(Source, height).DetachFromDisposeScope();
        return RgbFrame.FromTensor(Vivify.Media.SideBySide.Compose([_sourcePanel, Panel(driving, height), Panel(result, height)], height, PanelLabels));
    }

    // A frame at the panels' height, without converting a large one whole to floats.
    private static Tensor Panel(RgbFrame frame, int height)
    {
        var maxSide = (int)Math.Ceiling(Math.Max(frame.Width, frame.Height) * (double)height / frame.Height);
        var (image, _) = FaceFinder.Shrunk(frame, Math.Max(16, maxSide));
        return image.shape[1] == height ? image : Geometry.ResizeToHeight(image, height);
    }

    public void Dispose()
    {
        _paste?.Dispose();
        _sourceCrop.Dispose();
        _sourcePanel?.Dispose();
    }
}
