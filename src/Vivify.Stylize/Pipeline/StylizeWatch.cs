using System.Diagnostics;
using Vivify.Media;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>What <see cref="StylizeWatch.Run"/> does besides training.</summary>
public sealed record StylizeWatchOptions
{
    /// <summary>The frames previewed (default: the keyframes and the first, middle and last frame).</summary>
    public IReadOnlyList<int>? PreviewFrames { get; init; }

    /// <summary>Seconds between previews and model saves.</summary>
    public double PreviewEverySeconds { get; init; } = 10;

    /// <summary>Start a new model even when the project holds one.</summary>
    public bool Fresh { get; init; }

    /// <summary>When to stop besides cancellation.</summary>
    public TrainingBudget Budget { get; init; } = TrainingBudget.Unlimited;
}

/// <summary>
/// Trains continuously on a <see cref="StylizeProject"/>: when a keyframe or mask file changes, the next steps use it
/// (no restart; a bad file is reported and the previous keyframes kept); every few seconds the preview frames are
/// re-rendered to preview/ and the model saved to model.pth; cancelling stops cleanly, writing both once more.
/// </summary>
public sealed class StylizeWatch
{
    private readonly StylizeProject _project;
    private readonly StylizeJob _job;
    private readonly StylizeWatchOptions _options;
    private readonly Action<string> _log;
    private readonly Dictionary<int, Tensor> _cache = [];
    private string _signature = "";
    private List<int> _previewFrames = [];

    /// <param name="job">a job on the project's clip (<see cref="StylizeJob.Create"/> or, to continue model.pth, <see cref="StylizeJob.Resume"/>) without keyframes; the watch gives them</param>
    public StylizeWatch(StylizeProject project, StylizeJob job, StylizeWatchOptions? options = null, Action<string>? log = null)
    {
        _project = project;
        _job = job;
        _options = options ?? new StylizeWatchOptions();
        _log = log ?? (_ => { });
        foreach (var f in _options.PreviewFrames ?? [])
            if (f < 0 || f >= job.Clip.Count) throw new ArgumentOutOfRangeException(nameof(options), f, $"preview frames are 0–{job.Clip.Count - 1}");
        if (!(_options.PreviewEverySeconds > 0)) throw new ArgumentOutOfRangeException(nameof(options), _options.PreviewEverySeconds, "seconds between previews must be more than 0");
    }

    /// <summary>Watches and trains until the budget is spent or <paramref name="cancel"/> fires (which returns normally); returns the steps of the session.</summary>
    public long Run(IProgressReporter? progress = null, CancellationToken cancel = default)
    {
        var session = _job.Session;
        var clock = Stopwatch.StartNew();
        double lastCheck = -1, lastPreview = 0;
        var start = session.Steps;
        using (var task = (progress ?? NoProgress.Instance).Start("watch", null, "steps"))
        {
            try
            {
                while (!cancel.IsCancellationRequested)
                {
                    var t = clock.Elapsed.TotalSeconds;
                    if (t - lastCheck >= 1) { lastCheck = t; Reload(); }
                    if (!session.HasKeyframes) { cancel.WaitHandle.WaitOne(500); continue; }
                    if (_options.Budget.Steps is long s && session.Steps - start >= s) break;
                    if (_options.Budget.Minutes is double m && clock.Elapsed.TotalMinutes >= m) break;
                    var l = session.Step();
                    task.Status($"L1 {l.Image:0.0000} adv {l.Adversarial:0.000} D {l.Discriminator:0.000}");
                    task.Advance();
                    if (clock.Elapsed.TotalSeconds - lastPreview >= _options.PreviewEverySeconds) { lastPreview = clock.Elapsed.TotalSeconds; Preview(cancel); }
                }
            }
            finally { ClearCache(); }
        }
        if (session.Steps > 0)
        {
            Preview(cancel);
            ClearCache();
            _log($"stopped after {Counted.Of(session.Steps, "step")}; model kept at {_project.Model}, previews in {_project.PreviewDir}");
        }
        else _log("stopped before any training step; nothing written");
        return session.Steps;
    }

    /// <summary>Takes up changed keyframe files; returns whether anything changed.</summary>
    private bool Reload()
    {
        var now = _project.Signature();
        if (now == _signature) return false;
        _signature = now;
        var had = _job.Session.HasKeyframes;
        try
        {
            var keys = _project.Keys(_job.Clip.Count);
            if (keys.Count == 0) { _log($"no keyframes in {_project.KeysDir} yet; waiting for one: {KeyHint()}"); return true; }
            _job.ReplaceKeyframes(keys);
            // The guide keeps only its points; the flows of the whole clip (16 bytes a pixel a frame) are not kept
            // while watching, and the previews recompute the few they need.
            if (_job.Options.Guide) _job.Clip.ReleaseFlowsBefore(_job.Clip.Count);
            if (_job.Options.Guide || !had) ClearCache();
            _previewFrames = _options.PreviewFrames?.Distinct().ToList() ?? StylizeProject.DefaultPreviewFrames(keys, _job.Clip.Count);
            _log($"keyframes {string.Join(", ", keys.Select(k => k.Frame))} loaded (step {_job.Session.Steps})");
        }
        catch (VivifyException e)
        {
            _log(!had ? $"{e.Message}; waiting for a valid keyframe: {KeyHint()}" : $"{e.Message} (keeping the previous keyframes)");
        }
        return true;
    }

    private void Preview(CancellationToken cancel)
    {
        var session = _job.Session;
        if (!session.HasKeyframes || session.Steps == 0) return;
        session.Save(_project.Model);
        using var scope = NewDisposeScope();
        Directory.CreateDirectory(_project.PreviewDir);
        foreach (var f in _previewFrames)
        {
            if (!_cache.TryGetValue(f, out var x)) { x = _job.Prep.Input(f); x.DetachFromDisposeScope(); _cache[f] = x; }
            var y = session.Stylize(x.unsqueeze(0)).add(S(1), One) / S(2);
            // Ctrl-C in a terminal also reaches a running ffmpeg; the preview is then written again on the way out.
            try { ImageIO.Write(Path.Combine(_project.PreviewDir, $"{f:D5}.png"), y[0]); }
            catch (VivifyException) when (cancel.IsCancellationRequested) { }
        }
    }

    private void ClearCache()
    {
        foreach (var t in _cache.Values) t.Dispose();
        _cache.Clear();
    }

    private string KeyHint() =>
        $"a {_job.Clip.Width}×{_job.Clip.Height} picture named by its 0-based frame number (0 to {_job.Clip.Count - 1}), e.g. 00000.png";
}
