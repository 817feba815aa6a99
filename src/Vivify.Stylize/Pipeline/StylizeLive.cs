using System.Diagnostics;
using Vivify.Media;
using Vivify.Stylize.Prep;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>What <see cref="StylizeLive.Run"/> previews and when.</summary>
public sealed record StylizeLiveOptions
{
    /// <summary>The frames previewed (default: the first, middle and last).</summary>
    public IReadOnlyList<int>? PreviewFrames { get; init; }

    /// <summary>Previews are scaled down to fit this box (the aspect kept; never enlarged).</summary>
    public int PreviewMaxWidth { get; init; } = 320;
    public int PreviewMaxHeight { get; init; } = 240;

    /// <summary>Seconds of training before the first preview.</summary>
    public double FirstPreviewAfterSeconds { get; init; } = 1;

    /// <summary>Seconds from one preview to the next (the rendering included).</summary>
    public double PreviewEverySeconds { get; init; } = 2;

    /// <summary>Seconds of training on a new painting before the previews show it.</summary>
    public double RepaintPreviewAfterSeconds { get; init; } = 1;

    /// <summary>Seconds from one preview to the next while a repaint is recent (see <see cref="RepaintFollowSeconds"/>): the new colours show as soon as they are learnt.</summary>
    public double RepaintPreviewEverySeconds { get; init; } = 0.5;

    /// <summary>For how many seconds after a repaint previews come every <see cref="RepaintPreviewEverySeconds"/>.</summary>
    public double RepaintFollowSeconds { get; init; } = 6;

    /// <summary>
    /// While a repaint is recent, the previews every <see cref="RepaintPreviewEverySeconds"/> render only the preview
    /// frames whose painting changed (each preview frame costs as much as a few training steps), and all preview frames
    /// at least this often.
    /// </summary>
    public double RepaintPreviewAllEverySeconds { get; init; } = 3;

    /// <summary>How training answers a repaint (see <see cref="Stylize.RepaintFocus"/>); null for uniform patches throughout.</summary>
    public RepaintFocus? RepaintFocus { get; init; } = new();

    /// <summary>When to stop besides <c>stop</c>.</summary>
    public TrainingBudget Budget { get; init; } = TrainingBudget.Unlimited;
}

/// <summary>
/// One preview: frame <see cref="Frame"/> stylized with the weights after training step <see cref="Step"/>, trained on
/// the paintings of revision <see cref="Revision"/> (counted by <see cref="StylizeLive.Repaint"/>), as PNG bytes.
/// </summary>
public sealed record StylizePreview(int Frame, long Step, int Revision, int Width, int Height, byte[] Png);

/// <summary>
/// The paper's interactive loop on a <see cref="StylizeJob"/>, in memory: <see cref="Run"/> trains on the job's
/// keyframes and, every few seconds, stylizes a few preview frames at a small size with the current weights and hands
/// them over; <see cref="Repaint"/>, from any thread, swaps in a new painting without restarting (the steps taken are
/// kept), trains on what changed first (<see cref="StylizeLiveOptions.RepaintFocus"/>) and brings the next preview forward. Previews are made on <see cref="Run"/>'s thread, between steps.
/// </summary>
public sealed class StylizeLive : IDisposable
{
    private readonly StylizeJob _job;
    private readonly StylizeLiveOptions _options;
    private readonly object _lock = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<int, Tensor> _inputs = []; // preview inputs at preview size, for one FramePrep
    private FramePrep? _inputsOf;
    private int _revision;
    private double? _repaintedAt;
    private IReadOnlyList<int>? _repaintedFrames; // the preview frames the last repaint changed (null: not known)

    public StylizeLive(StylizeJob job, StylizeLiveOptions? options = null)
    {
        _job = job;
        _options = options ?? new StylizeLiveOptions();
        _options.Budget.Validated();
        PreviewFrames = _options.PreviewFrames?.Distinct().ToList() ?? DefaultPreviewFrames(job.Clip.Count);
        foreach (var f in PreviewFrames)
            if (f < 0 || f >= job.Clip.Count) throw new ArgumentOutOfRangeException(nameof(options), f, $"preview frames are 0–{job.Clip.Count - 1}");
        if (PreviewFrames.Count == 0) throw new ArgumentException("give at least one preview frame", nameof(options));
        if (!(_options.RepaintPreviewEverySeconds > 0)) throw new ArgumentOutOfRangeException(nameof(options), _options.RepaintPreviewEverySeconds, "seconds between previews must be more than 0");
        if (!(_options.RepaintPreviewAllEverySeconds > 0)) throw new ArgumentOutOfRangeException(nameof(options), _options.RepaintPreviewAllEverySeconds, "seconds between previews must be more than 0");
        if (!(_options.PreviewEverySeconds > 0)) throw new ArgumentOutOfRangeException(nameof(options), _options.PreviewEverySeconds, "seconds between previews must be more than 0");
        if (_options.PreviewMaxWidth < 1 || _options.PreviewMaxHeight < 1) throw new ArgumentOutOfRangeException(nameof(options), "the preview box must be at least 1×1");
        job.Session.RepaintFocus = _options.RepaintFocus;
    }

    /// <summary>The frames previewed.</summary>
    public IReadOnlyList<int> PreviewFrames { get; }

    /// <summary>How many times the painting was replaced since this loop was made.</summary>
    public int Revision { get { lock (_lock) return _revision; } }

    /// <summary>The first, middle and last frame of a clip of <paramref name="count"/> frames.</summary>
    public static List<int> DefaultPreviewFrames(int count) => new[] { 0, count / 2, count - 1 }.Distinct().ToList();

    /// <summary>The light configuration of configs/stylize-demo.yaml (interactive use on a small CPU), Vivify's own choice.</summary>
    public static StylizeConfig DemoConfig()
    {
        using var s = typeof(StylizeLive).Assembly.GetManifestResourceStream("stylize-demo.yaml")!;
        using var r = new StreamReader(s);
        return StylizeConfig.Parse(r.ReadToEnd(), "configs/stylize-demo.yaml");
    }

    /// <summary>
    /// Replaces the paintings (see <see cref="StylizeJob.ReplaceKeyframes"/>): the next steps learn from them, the
    /// steps taken are kept, and the next preview comes <see cref="StylizeLiveOptions.RepaintPreviewAfterSeconds"/>
    /// after this, of the preview frames whose painting changed first. Thread-safe; bad files throw and leave the
    /// previous paintings in place. Returns the new revision.
    /// </summary>
    public int Repaint(IEnumerable<KeyframeFile> keys)
    {
        var changed = _job.ReplaceKeyframes(keys);
        lock (_lock)
        {
            _repaintedAt = _clock.Elapsed.TotalSeconds;
            _repaintedFrames = changed is null ? null : PreviewFrames.Where(changed.Contains).ToList();
            return ++_revision;
        }
    }

    /// <summary>
    /// Trains until the budget is spent or <paramref name="stop"/> fires (both return normally), previewing on the way
    /// and once more at the end when any step was taken: <paramref name="onPreviews"/> gets all preview frames, or
    /// while a repaint is recent only those it changed (keep the latest preview of each frame); <paramref name="onStep"/>
    /// gets the session's step count after each step. Returns the steps taken.
    /// </summary>
    public long Run(Action<IReadOnlyList<StylizePreview>> onPreviews, Action<long>? onStep = null, CancellationToken stop = default)
    {
        var session = _job.Session;
        if (!session.HasKeyframes) throw new InvalidOperationException("give the job a painted keyframe first");
        var budget = _options.Budget;
        var started = _clock.Elapsed.TotalSeconds;
        var start = session.Steps;
        var next = started + _options.FirstPreviewAfterSeconds;
        var nextAll = next; // when all preview frames are due while a repaint is recent
        double? repainted = null;
        IReadOnlyList<int>? repaintedFrames = null;
        while (!stop.IsCancellationRequested)
        {
            if (budget.Steps is long s && session.Steps - start >= s) break;
            if (budget.Minutes is double m && _clock.Elapsed.TotalSeconds - started >= m * 60) break;
            session.Step();
            onStep?.Invoke(session.Steps);
            lock (_lock)
            {
                if (_repaintedAt is double r)
                {
                    next = Math.Min(next, r + _options.RepaintPreviewAfterSeconds);
                    (repainted, repaintedFrames) = (r, _repaintedFrames);
                }
                _repaintedAt = null;
            }
            var now = _clock.Elapsed.TotalSeconds;
            if (now < next) continue;
            // While a repaint is recent: the frames it changed (when known and among the previews), all of them every so often.
            var following = repainted is double at && now - at < _options.RepaintFollowSeconds;
            var some = following && now < nextAll && repaintedFrames is { Count: > 0 } f && f.Count < PreviewFrames.Count ? repaintedFrames : null;
            onPreviews(Previews(some));
            // The next one on the schedule (sooner while a repaint is recent), but never before some training happened since this one.
            var after = _clock.Elapsed.TotalSeconds;
            if (some is null) nextAll = Math.Max(now + _options.RepaintPreviewAllEverySeconds, after + 0.25 * _options.RepaintPreviewAllEverySeconds);
            var every = following ? _options.RepaintPreviewEverySeconds : _options.PreviewEverySeconds;
            next = Math.Max(now + every, after + 0.25 * every);
        }
        if (session.Steps > start) onPreviews(Previews());
        return session.Steps - start;
    }

    /// <summary>
    /// The preview frames (or those of <paramref name="frames"/>, which must be among them) stylized with the current
    /// weights (call it on the thread that trains, or while none does).
    /// </summary>
    public IReadOnlyList<StylizePreview> Previews(IReadOnlyList<int>? frames = null)
    {
        frames ??= PreviewFrames;
        foreach (var f in frames)
            if (!PreviewFrames.Contains(f)) throw new ArgumentOutOfRangeException(nameof(frames), f, "not a preview frame");
        int revision;
        lock (_lock) revision = _revision;
        var steps = _job.Session.Steps;
        using var scope = NewDisposeScope();
        var inputs = stack(frames.Select(Input).ToArray());
        using var stylized = _job.Session.Stylize(inputs);
        var bytes = CvImage.ToBytes(stylized.add(S(1), One) / S(2));
        var list = new List<StylizePreview>();
        for (var i = 0; i < frames.Count; i++)
            list.Add(new StylizePreview(frames[i], steps, revision, (int)bytes.shape[3], (int)bytes.shape[2], FittedClip.Png(bytes[i])));
        return list;
    }

    /// <summary>Frame <paramref name="f"/>'s generator input at preview size, made once per <see cref="FramePrep"/> (owned by this).</summary>
    private Tensor Input(int f)
    {
        var prep = _job.Prep;
        if (!ReferenceEquals(prep, _inputsOf)) ClearInputs(prep);
        if (_inputs.TryGetValue(f, out var x)) return x;
        using (var scope = NewDisposeScope())
        {
            var full = prep.Input(f);
            var (w, h) = FittedClip.Within(full.shape[2], full.shape[1], _options.PreviewMaxWidth, _options.PreviewMaxHeight);
            x = Geometry.Resize(full, h, w).MoveToOuterDisposeScope();
        }
        x.DetachFromDisposeScope();
        _inputs[f] = x;
        return x;
    }

    private void ClearInputs(FramePrep? prep)
    {
        foreach (var t in _inputs.Values) t.Dispose();
        _inputs.Clear();
        _inputsOf = prep;
    }

    public void Dispose() => ClearInputs(null);
}
