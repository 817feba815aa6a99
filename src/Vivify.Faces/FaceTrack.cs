using Vivify.Media;

namespace Vivify.Faces;

/// <summary>
/// Where the driving face is in every frame of a video: the square to crop (<see cref="FaceFraming.Square(FaceDetection, double)"/>
/// of the face's landmark box, smoothed over time), the frames that begin a track (the first frame, and the first
/// frame after each scene cut: relative motion restarts there), and how many frames showed no face;
/// <see cref="FaceFound"/> says which did (null: unknown, every frame taken to show one).
/// </summary>
public sealed record FaceTrackResult(IReadOnlyList<SquareBox> Boxes, IReadOnlyList<int> TrackStarts, int FramesWithoutFace, IReadOnlyList<bool>? FaceFound = null)
{
    /// <summary>Whether the tracker found the face in <paramref name="frame"/> (frames past the end, or unknown: true).</summary>
    public bool HasFace(int frame) => FaceFound is null || frame >= FaceFound.Count || FaceFound[frame];

    /// <summary>The scene cuts: the track starts after the first frame.</summary>
    public IEnumerable<int> Cuts => TrackStarts.Where(s => s > 0);

    /// <summary>The first frame of the track that holds <paramref name="frame"/> (frames past the end: the last track).</summary>
    public int TrackOf(int frame)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        var start = 0;
        foreach (var s in TrackStarts)
            if (s <= frame && s > start) start = s;
        return start;
    }
}

/// <summary>
/// Follows one face through a video, frame by frame (<see cref="Add"/>), then gives every frame's crop box
/// (<see cref="Finish"/>). In each frame the face that overlaps the last one seen most (IoU ≥ <see cref="MinIoU"/>)
/// continues the track; when none does — the face jumped — or the frame's colours change at once
/// (<see cref="SceneCut"/>), a new track begins with the largest face. A frame without a face keeps the last good box
/// (frames before a track's first face take that face's box). Each track's boxes (centre and side) are smoothed with
/// the One Euro filter (<see cref="LandmarkSmoother"/>), which starts afresh at every cut.
/// </summary>
public sealed class FaceTrack(double fps, double increase = FaceFraming.DefaultIncrease, double minCutoff = 1.0, double beta = 0.05)
{
    /// <summary>Overlap with the last face seen for a face to be the same face in the same shot.</summary>
    public double MinIoU { get; init; } = 0.3;

    /// <summary>Colour-histogram distance between consecutive frames above which the frame begins a new shot.</summary>
    public double CutThreshold { get; init; } = SceneCut.DefaultThreshold;

    private readonly List<FaceDetection?> _faces = [];
    private readonly List<int> _starts = [];
    private FaceDetection? _last;
    private float[]? _histogram;
    private bool _newShot;

    /// <summary>Frames added so far.</summary>
    public int Count => _faces.Count;

    /// <summary>Adds the next frame: its faces (boxes in its pixels, best as landmark boxes) and, for cut detection, the frame itself.</summary>
    public void Add(IReadOnlyList<FaceDetection> faces, RgbFrame? frame = null)
    {
        var index = _faces.Count;
        if (frame is not null)
        {
            var histogram = SceneCut.Histogram(frame);
            if (_histogram is not null && _starts.Count > 0 && SceneCut.Distance(_histogram, histogram) > CutThreshold)
            {
                _starts.Add(index); // a cut: the new shot's track begins here, with or without a face
                _newShot = true;
            }
            _histogram = histogram;
        }
        FaceDetection? chosen = null;
        if (faces.Count > 0)
        {
            var last = _last;
            if (last is not null && !_newShot)
                chosen = faces.Select(f => (f, iou: f.IoU(last))).Where(p => p.iou >= MinIoU).OrderByDescending(p => p.iou).Select(p => p.f).FirstOrDefault();
            if (chosen is null)
            {
                chosen = faces.OrderByDescending(f => f.Area).First();
                // The video's first face (its track holds the frames before it), or a face elsewhere: a jump within the shot.
                if (_starts.Count == 0) _starts.Add(0);
                else if (!_newShot) _starts.Add(index);
            }
            _newShot = false;
            _last = chosen;
        }
        _faces.Add(chosen);
    }

    /// <summary>Every frame's box; <paramref name="video"/> names the video in the error for one without a face.</summary>
    public FaceTrackResult Finish(string video)
    {
        if (_starts.Count == 0)
            throw new NoFaceException(video, $"{video}: no face found in any of its {Counted.Of(_faces.Count, "frame")}; give a driving video that shows a face, or animate the whole frame");
        var boxes = new SquareBox[_faces.Count];
        for (var t = 0; t < _starts.Count; t++)
        {
            var start = _starts[t];
            var end = t + 1 < _starts.Count ? _starts[t + 1] : _faces.Count;
            var smoother = new LandmarkSmoother(fps, minCutoff, beta);
            // Frames of the track before its first face take that face's box; later ones without a face the last good one.
            var current = Enumerable.Range(start, end - start).Select(i => _faces[i]).FirstOrDefault(f => f is not null);
            for (var i = start; i < end; i++)
            {
                current = _faces[i] ?? current;
                if (current is null) { boxes[i] = t > 0 ? boxes[start - 1] : default; continue; }
                var square = FaceFraming.Square(current, increase);
                var smoothed = smoother.Smooth(new float[,] { { (float)square.CenterX, (float)square.CenterY, square.Side } });
                boxes[i] = SquareBox.Centered(smoothed[0, 0], smoothed[0, 1], smoothed[0, 2]);
            }
        }
        return new FaceTrackResult(boxes, _starts.ToList(), _faces.Count(f => f is null), _faces.Select(f => f is not null).ToList());
    }
}
