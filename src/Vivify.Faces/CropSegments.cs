namespace Vivify.Faces;

/// <summary>One continuous face segment of a video and the square-ish region to cut: frames [Start, End), pixels.</summary>
public sealed record CropSegment(long Start, long End, int Left, int Top, int Width, int Height);

/// <summary>
/// The published <c>crop-video.py</c> (First Order Motion Model) as a frame-by-frame state machine: each detected face
/// joins the trajectory whose first box it overlaps by IoU above <see cref="IouWithInitial"/> (its tube box growing to
/// the union), or starts one; a trajectory no face joins ends. Ended trajectories of at least <see cref="MinFrames"/>
/// frames become segments whose region is the tube box enlarged by <see cref="Increase"/> on each side (more on the
/// shorter side so it nears a square) and clipped to the frame.
/// </summary>
public sealed class CropSegments(int frameWidth, int frameHeight)
{
    public double IouWithInitial { get; init; } = 0.25;
    public double Increase { get; init; } = 0.1;
    public long MinFrames { get; init; } = 150;

    private sealed class Trajectory(FaceDetection initial, long start)
    {
        public FaceDetection Initial { get; } = initial;
        public double Left = initial.X, Top = initial.Y, Right = initial.X + initial.Width, Bottom = initial.Y + initial.Height;
        public long Start { get; } = start;
        public long End = start;
    }

    private List<Trajectory> _open = [];
    private readonly List<CropSegment> _segments = [];
    private long _frame;

    /// <summary>Adds the next frame's faces.</summary>
    public void Add(IEnumerable<FaceDetection> faces)
    {
        var stillOpen = new List<Trajectory>();
        var joined = new HashSet<Trajectory>();
        foreach (var face in faces)
        {
            var t = _open.FirstOrDefault(t => !joined.Contains(t) && t.Initial.IoU(face) > IouWithInitial);
            if (t is null)
            {
                t = new Trajectory(face, _frame);
            }
            else
            {
                t.Left = Math.Min(t.Left, face.X); t.Top = Math.Min(t.Top, face.Y);
                t.Right = Math.Max(t.Right, face.X + face.Width); t.Bottom = Math.Max(t.Bottom, face.Y + face.Height);
            }
            t.End = _frame + 1;
            joined.Add(t);
            stillOpen.Add(t);
        }
        foreach (var t in _open.Where(t => !joined.Contains(t))) Close(t);
        _open = stillOpen;
        _frame++;
    }

    /// <summary>Ends every open trajectory (the video is over) and returns all segments, by start frame, then left to right.</summary>
    public List<CropSegment> Finish()
    {
        foreach (var t in _open) Close(t);
        _open = [];
        return _segments.OrderBy(s => s.Start).ThenBy(s => s.Left).ToList();
    }

    private void Close(Trajectory t)
    {
        if (t.End - t.Start < MinFrames) return;
        double width = t.Right - t.Left, height = t.Bottom - t.Top;
        var wInc = Math.Max(Increase, ((1 + 2 * Increase) * height - width) / (2 * width));
        var hInc = Math.Max(Increase, ((1 + 2 * Increase) * width - height) / (2 * height));
        // The script truncates toward zero (Python int()), then clips to the frame.
        var left = Math.Max(0, (int)(t.Left - wInc * width));
        var top = Math.Max(0, (int)(t.Top - hInc * height));
        var right = Math.Min(frameWidth, (int)(t.Right + wInc * width));
        var bottom = Math.Min(frameHeight, (int)(t.Bottom + hInc * height));
        if (right > left && bottom > top) _segments.Add(new CropSegment(t.Start, t.End, left, top, right - left, bottom - top));
    }
}
