using System.Globalization;
using Microsoft.AspNetCore.Http;
using Vivify.Server.Jobs;
using Vivify.Stylize;
using Vivify.Stylize.Prep;
using Vivify.Torch;

namespace Vivify.Server.Stylize;

/// <summary>One preview as the page gets it: the frame, the training step and painting revision it shows, and a version to fetch it by.</summary>
internal sealed record PreviewView(int Frame, long Step, int Revision, long Version, int Width, int Height);

/// <summary>
/// One stylize project of the studio: the uploaded video's frames at the working size (in memory as a <see cref="Clip"/>
/// and as PNGs in FOLDER/frames), the painted keyframes (one or a few, each in its own FOLDER/keys/N), the upload's
/// audio (FOLDER/audio: the upload kept when it has an audio stream, for the render), the library's
/// <see cref="StylizeJob"/> (created at the first training, kept between trainings so no step is lost), the latest
/// previews (in memory), the saved model (FOLDER/model.pth) and the jobs it queued. The session is used on the job
/// worker's thread only; a new set of keyframes is handed over from a request's thread through
/// <see cref="StylizeLive.Repaint"/> or <see cref="StylizeJob.ReplaceKeyframes"/>, which the library makes safe. Removing the project waits for its running job to end before the memory is freed.
/// </summary>
internal sealed class StudioProject(string id, string folder, Clip clip, string frameRate, string? audioFrom = null) : IDisposable
{
    private readonly object _lock = new();
    private readonly Dictionary<int, (PreviewView View, byte[] Png)> _previews = [];
    private StylizeJob? _job;
    private StylizeLive? _live;
    private readonly SortedDictionary<int, (KeyframeFile File, int Revision)> _keys = [];
    private int _keyRevision, _keyFiles;
    private long _steps, _previewVersion;
    private bool _busy, _removed, _disposed;
    private List<int> _previewFrames = StylizeLive.DefaultPreviewFrames(clip.Count);

    public string Id { get; } = id;
    public string Folder { get; } = folder;
    public Clip Clip { get; } = clip;
    public string FrameRate { get; } = frameRate;
    /// <summary>The file whose audio the rendered video gets, or null when the upload had none.</summary>
    public string? AudioFrom { get; } = audioFrom;
    public string ModelPath => Path.Combine(Folder, "model.pth");
    public DateTime LastUsedUtc { get; private set; } = DateTime.UtcNow;

    /// <summary>Held by requests that look at and change <see cref="Training"/>, <see cref="Rendering"/> and <see cref="StopTraining"/> together.</summary>
    public object Gate { get; } = new();

    public bool IsRemoved { get { lock (_lock) return _removed; } }

    /// <summary>The queued or running training, and the latest render.</summary>
    public Job? Training { get; set; }
    public Job? Rendering { get; set; }

    /// <summary>Asks a running training to end (it saves the model and finishes as done).</summary>
    public CancellationTokenSource? StopTraining { get; set; }

    public static string FrameName(int frame) => frame.ToString("D5", CultureInfo.InvariantCulture) + ".png";
    public string FramePath(int frame) => Path.Combine(Folder, "frames", FrameName(frame));

    public void Touch() => LastUsedUtc = DateTime.UtcNow;

    /// <summary>The steps trained so far (the session's, kept across trainings).</summary>
    public long Steps { get { lock (_lock) return _steps; } }
    public bool HasKey { get { lock (_lock) return _keys.Count > 0; } }
    public bool HasModel => File.Exists(ModelPath);

    public IReadOnlyList<int> PreviewFrames { get { lock (_lock) return _previewFrames; } }

    /// <summary>
    /// Makes the painting at <paramref name="painted"/> (already decoded and of the clip's size) the keyframe of
    /// <paramref name="frame"/>: added to the keyframes, or replacing that frame's painting, or, with
    /// <paramref name="only"/>, replacing all of them. A training under way continues on the new set. Returns the revision.
    /// </summary>
    public int SetKey(int frame, string painted, string? mask, bool only = false)
    {
        var key = new KeyframeFile(frame, painted, mask);
        lock (_lock)
        {
            if (_removed) throw Gone();
            var keys = only ? [] : KeysExcept(frame);
            keys.Add(key);
            try { Apply(keys); }
            catch (VivifyException e)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, JsonErrors.OneLine(e.Message, new Dictionary<string, string> { [painted] = "painted", [mask ?? painted] = mask is null ? "painted" : "mask" }));
            }
            _keyRevision++;
            foreach (var gone in _keys.Keys.Where(f => only || f == frame).ToList()) Forget(gone, painted);
            _keys[frame] = (key, _keyRevision);
            return _keyRevision;
        }
    }

    /// <summary>
    /// Removes the keyframe of <paramref name="frame"/>; a training under way continues on the others (the last one of a
    /// running training cannot go). The next training, render and model use the keyframes left.
    /// </summary>
    public void RemoveKey(int frame)
    {
        lock (_lock)
        {
            if (_removed) throw Gone();
            if (!_keys.ContainsKey(frame)) throw new ApiException(StatusCodes.Status404NotFound, $"frame {frame} is not a keyframe; the keyframes are {KeyList()}");
            var keys = KeysExcept(frame);
            if (keys.Count == 0 && _live is not null)
                throw new ApiException(StatusCodes.Status409Conflict, $"frame {frame} is the only keyframe of the running training; paint another one first, or stop");
            if (keys.Count > 0) Apply(keys); // none left: the session keeps its last set until a painting comes (training needs one)
            _keyRevision++;
            Forget(frame, null);
        }
    }

    /// <summary>Hands the keyframes to the running training, or to the session (no training yet: the first one starts with them).</summary>
    private void Apply(List<KeyframeFile> keys)
    {
        // On the request's thread while the training computes on its own: one thread (see TorchThreads).
        using var one = TorchThreads.OneThreadHere();
        if (_live is not null) _live.Repaint(keys);
        else _job?.ReplaceKeyframes(keys);
    }

    /// <summary>Drops keyframe <paramref name="frame"/> and its files (kept when <paramref name="keep"/>'s folder is theirs).</summary>
    private void Forget(int frame, string? keep)
    {
        var old = Path.GetDirectoryName(_keys[frame].File.PaintedPath);
        _keys.Remove(frame);
        if (old is not null && old != Path.GetDirectoryName(keep)) JobQueue.RemoveFolder(old);
    }

    /// <summary>The keyframes' files but that of <paramref name="frame"/>.</summary>
    private List<KeyframeFile> KeysExcept(int frame) => _keys.Where(k => k.Key != frame).Select(k => k.Value.File).ToList();

    private string KeyList() => _keys.Count == 0 ? "none yet" : string.Join(", ", _keys.Keys);

    /// <summary>A fresh server-chosen name under FOLDER/keys for the next painting's files.</summary>
    public string NextKeyFolder()
    {
        lock (_lock) return Directory.CreateDirectory(Path.Combine(Folder, "keys", (++_keyFiles).ToString(CultureInfo.InvariantCulture))).FullName;
    }

    public void SetPreviewFrames(List<int> frames)
    {
        lock (_lock) _previewFrames = frames;
    }

    /// <summary>
    /// Trains on the job's thread until <paramref name="stop"/> or the budget (normal end: the model is saved) or
    /// <paramref name="cancel"/> (the job is cancelled). The first training creates the session; later ones continue it.
    /// </summary>
    public void Train(StylizeLiveOptions options, Action<double> progress, CancellationToken stop, CancellationToken cancel)
    {
        StylizeLive live;
        StylizeJob job;
        int revisionBase;
        lock (_lock)
        {
            if (_removed) throw new OperationCanceledException();
            if (_keys.Count == 0) throw new VivifyException("paint a keyframe first");
            _job ??= StylizeJob.Create(Clip, _keys.Values.Select(k => k.File), new StylizeJobOptions { Config = StylizeLive.DemoConfig(), PreFilter = PreFilter.Spatial }, "the video");
            job = _job;
            live = _live = new StylizeLive(job, options with { PreviewFrames = _previewFrames });
            revisionBase = _keyRevision;
            _busy = true;
        }
        try
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(stop, cancel);
            var start = job.Session.Steps;
            var budget = options.Budget;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            live.Run(previews => Publish(previews, revisionBase), steps =>
            {
                lock (_lock) _steps = steps;
                if (budget.Steps is long s) progress((steps - start) / (double)s);
                else if (budget.Minutes is double m) progress(clock.Elapsed.TotalMinutes / m);
            }, both.Token);
            cancel.ThrowIfCancellationRequested();
            job.Session.Save(ModelPath);
        }
        finally
        {
            lock (_lock)
            {
                _live = null;
                _busy = false;
            }
            live.Dispose();
            DisposeIfRemoved();
        }
    }

    /// <summary>Renders the whole clip with the trained weights into <paramref name="output"/> (on the job's thread).</summary>
    public void Render(string output, Action<double> progress, CancellationToken cancel)
    {
        StylizeJob job;
        lock (_lock)
        {
            if (_removed) throw new OperationCanceledException();
            job = _job ?? throw new VivifyException("train the model first");
            _busy = true;
        }
        try { job.WriteVideo(output, FrameRate, progress: new FractionProgress(progress), cancel: cancel, audioFrom: AudioFrom); }
        finally
        {
            lock (_lock) _busy = false;
            DisposeIfRemoved();
        }
    }

    private void Publish(IReadOnlyList<StylizePreview> previews, int revisionBase)
    {
        lock (_lock)
            foreach (var p in previews)
                _previews[p.Frame] = (new PreviewView(p.Frame, p.Step, revisionBase + p.Revision, ++_previewVersion, p.Width, p.Height), p.Png);
    }

    public byte[]? PreviewPng(int frame)
    {
        lock (_lock) return _previews.TryGetValue(frame, out var p) ? p.Png : null;
    }

    /// <summary>What the page sees of the project.</summary>
    public object View(JobQueue queue)
    {
        lock (_lock)
            return new
            {
                id = Id,
                width = Clip.Width,
                height = Clip.Height,
                frames = Clip.Count,
                frameRate = FrameRate,
                keyframe = _keys.Count == 0 ? (int?)null : _keys.MaxBy(k => k.Value.Revision).Key, // the last one painted
                keyframes = _keys.Select(k => new { frame = k.Key, revision = k.Value.Revision }).ToArray(),
                revision = _keyRevision,
                steps = _steps,
                previewFrames = _previewFrames,
                training = Training is null ? null : queue.View(Training),
                rendering = Rendering is null ? null : queue.View(Rendering),
                model = File.Exists(ModelPath),
                previews = _previews.Values.Select(p => p.View).OrderBy(p => p.Frame).ToArray(),
            };
    }

    /// <summary>Marks the project removed: its jobs are cancelled by the caller; the memory is freed now or when its running job ends.</summary>
    public void Remove()
    {
        lock (_lock) _removed = true;
        DisposeIfRemoved();
    }

    private void DisposeIfRemoved()
    {
        lock (_lock)
        {
            if (!_removed || _busy || _disposed) return;
            _disposed = true;
            _job?.Dispose();
            _job = null;
            Clip.Dispose();
        }
        JobQueue.RemoveFolder(Folder);
    }

    public void Dispose() => Remove();

    private static ApiException Gone() => new(StatusCodes.Status404NotFound, "no such stylize project (it was removed or expired); upload the video again");

    /// <summary>The library's progress loops as a fraction done.</summary>
    private sealed class FractionProgress(Action<double> report) : IProgressReporter, IProgressTask
    {
        private long _done;
        private long? _total;

        public IProgressTask Start(string description, long? total, string unit = "frames")
        {
            (_done, _total) = (0, total);
            return this;
        }

        public void Advance(long by = 1)
        {
            _done += by;
            if (_total is > 0) report(Math.Min(1, (double)_done / _total.Value));
        }

        public void Dispose() { }
    }
}
