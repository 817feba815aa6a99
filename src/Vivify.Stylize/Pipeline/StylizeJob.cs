using Vivify.Stylize.Prep;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>How a <see cref="StylizeJob"/> prepares its inputs and builds its session.</summary>
public sealed record StylizeJobOptions
{
    /// <summary>The training configuration (default: <see cref="StylizeInputs.DefaultConfig"/>, the published reference_P values).</summary>
    public StylizeConfig? Config { get; init; }

    /// <summary>VGG19 features for the perceptual term (<see cref="Vgg19Features.Load"/>); the session owns them. Null: <see cref="Vgg19Path"/>'s.</summary>
    public Vgg19Features? Vgg19 { get; init; }

    /// <summary>torchvision's vgg19-dcbb9e9d.pth, loaded for the perceptual term when <see cref="Vgg19"/> is null; neither leaves the term out.</summary>
    public string? Vgg19Path { get; init; }

    /// <summary><see cref="Vgg19"/>, else loaded from <see cref="Vgg19Path"/>, else null.</summary>
    internal Vgg19Features? LoadVgg19() => Vgg19 ?? StylizeInputs.Vgg(Vgg19Path);

    /// <summary>The input pre-filter (the published tool's: temporal).</summary>
    public PreFilter PreFilter { get; init; } = PreFilter.Temporal;

    /// <summary>Add the auxiliary Gaussian-disk guide channels (advected along the optical flow) for temporal coherence.</summary>
    public bool Guide { get; init; }

    /// <summary>Stylize with the running average of the generator's weights (false: the last trained weights, as the published tool does).</summary>
    public bool Average { get; init; } = true;

    /// <summary>The seed of the networks' initialisation and the patch sampling.</summary>
    public int Seed { get; init; }

    /// <summary>Where the networks run, as torch names it ("cpu", "cuda", "cuda:1"; default: the CPU).</summary>
    public string? Device { get; init; }
}

/// <summary>
/// Stylizing one clip: the clip and its prepared inputs (<see cref="Prep"/>), the painted keyframes, and the
/// <see cref="StylizeSession"/> that trains on them. Create it from a clip (<see cref="StylizeInputs.LoadClip(string, CancellationToken, long?)"/>,
/// from a file, any <see cref="Vivify.Media.VideoSource"/> or frames in memory) and keyframe files; <see cref="Train"/>,
/// then <see cref="Render"/> or <see cref="StylizeRendering.WriteVideo"/>. <see cref="ReplaceKeyframes"/> may be called
/// from another thread while <see cref="Train"/> runs (live editing): the following steps learn from the new keyframes.
/// The job owns the session and disposes it; the clip stays the caller's.
/// </summary>
public sealed class StylizeJob : IDisposable
{
    private readonly object _replaceLock = new(); // one replacement at a time
    private readonly object _prepLock = new();    // the current inputs and keys
    private FramePrep _prep;
    private IReadOnlyList<KeyframeFile> _keys = [];

    private StylizeJob(Clip clip, StylizeSession session, StylizeJobOptions options, string video)
    {
        Clip = clip;
        Session = session;
        Options = options;
        Video = video;
        _prep = new FramePrep(clip, options.PreFilter);
    }

    /// <summary>
    /// A new session for <paramref name="clip"/> (named <paramref name="video"/> in messages) trained on <paramref name="keys"/>
    /// (none: give them later with <see cref="ReplaceKeyframes"/>).
    /// </summary>
    public static StylizeJob Create(Clip clip, IEnumerable<KeyframeFile> keys, StylizeJobOptions? options = null, string video = "the video")
    {
        options ??= new StylizeJobOptions();
        var config = options.Config ?? StylizeInputs.DefaultConfig();
        var session = new StylizeSession(config, options.Guide ? 6 : 3, options.LoadVgg19(), options.Seed, DeviceOf(options.Device), options.Average);
        return Start(clip, keys, options, video, session);
    }

    /// <summary>
    /// Continues the model file <paramref name="modelPath"/> written by <see cref="StylizeSession.Save"/> (weights, optimizer
    /// states, step count) on <paramref name="clip"/>; the generator's shape comes from the file, the rest from
    /// <see cref="StylizeJobOptions.Config"/> (default: the configuration the file keeps, else the default).
    /// </summary>
    public static StylizeJob Resume(string modelPath, Clip clip, IEnumerable<KeyframeFile> keys, StylizeJobOptions? options = null, string video = "the video")
    {
        options ??= new StylizeJobOptions();
        var config = options.Config ?? StylizeSession.StoredConfig(modelPath) ?? StylizeInputs.DefaultConfig();
        var session = StylizeSession.Resume(modelPath, config, options.LoadVgg19(), options.Seed, DeviceOf(options.Device), options.Average);
        if (session.Generator.InputChannels != (options.Guide ? 6 : 3))
        {
            session.Dispose();
            throw new ModelMismatchException($"{modelPath}: the model was trained {(options.Guide ? "without" : "with")} the guide channels; use the same setting, or start a new model", modelPath);
        }
        return Start(clip, keys, options, video, session);
    }

    private static StylizeJob Start(Clip clip, IEnumerable<KeyframeFile> keys, StylizeJobOptions options, string video, StylizeSession session)
    {
        var job = new StylizeJob(clip, session, options, video);
        try
        {
            var list = keys.ToList();
            if (list.Count > 0) job.ReplaceKeyframes(list);
            return job;
        }
        catch
        {
            job.Dispose();
            throw;
        }
    }

    public Clip Clip { get; }
    public StylizeSession Session { get; }
    public StylizeJobOptions Options { get; }

    /// <summary>The footage's name in messages.</summary>
    public string Video { get; }

    /// <summary>The prepared inputs of the clip's frames (with the guide of the current keyframes).</summary>
    public FramePrep Prep { get { lock (_prepLock) return _prep; } }

    /// <summary>The keyframe files the session now learns from.</summary>
    public IReadOnlyList<KeyframeFile> Keys { get { lock (_prepLock) return _keys; } }

    /// <summary>
    /// Reads <paramref name="keys"/> (checked against the clip, prepared as the options say) and makes them the
    /// session's keyframes from its next step on; the model file's settings follow. Thread-safe, and safe to call
    /// while <see cref="Train"/> runs on another thread. Bad files throw <see cref="InvalidInputException"/> and leave the
    /// previous keyframes in place. Returns the frames whose painting or mask changed (or that are new keyframes), as
    /// the session's <see cref="StylizeSession.RepaintFocus"/> found them, or null when that is not known (see
    /// <see cref="StylizeSession.SetKeyframes"/>).
    /// </summary>
    public IReadOnlyList<int>? ReplaceKeyframes(IEnumerable<KeyframeFile> keys)
    {
        var list = StylizeInputs.CheckKeys(keys, Clip, Video);
        lock (_replaceLock) // training (and rendering with the previous inputs) goes on meanwhile
        {
            var guide = Options.Guide ? StylizeInputs.Guide(Clip, list) : null;
            var prep = guide is null ? Prep : new FramePrep(Clip, Options.PreFilter, guide);
            var keyframes = StylizeInputs.Keyframes(list, prep);
            var changed = Session.SetKeyframes(keyframes, Meta(Options.PreFilter, list, guide, keyframes.Select(k => k.Mask).ToArray()));
            lock (_prepLock) (_prep, _keys) = (prep, list);
            return changed?.Select(i => list[i].Frame).ToList();
        }
    }

    /// <summary>Trains (see <see cref="StylizeTraining.Train"/>); returns the steps taken.</summary>
    public long Train(TrainingBudget budget, IProgressReporter? progress = null, CancellationToken cancel = default, TrainingSaves? saves = null,
        Action<string>? log = null) =>
        StylizeTraining.Train(Session, budget, progress, cancel, saves, log);

    /// <summary>Stylizes every frame of the clip (see <see cref="StylizeRendering.Render"/>): each picture [3,H,W] in [0,1] to <paramref name="onFrame"/>.</summary>
    public void Render(Action<int, Tensor> onFrame, int batch = 4, IProgressReporter? progress = null, CancellationToken cancel = default) =>
        StylizeRendering.Render(Prep, Session.Stylize, onFrame, batch, progress, cancel);

    /// <summary>Stylizes every frame of the clip into a video or PNG folder (see <see cref="StylizeRendering.WriteVideo"/>).</summary>
    public void WriteVideo(string output, string frameRate, string? preview = null, int batch = 4, IProgressReporter? progress = null,
        CancellationToken cancel = default, string? audioFrom = null) =>
        StylizeRendering.WriteVideo(Prep, Session.Stylize, output, frameRate, preview, batch, progress, cancel, audioFrom);

    /// <summary>Stylizes frame <paramref name="frame"/>: [3,H,W] in [0,1] (the caller owns it).</summary>
    public Tensor StylizeFrame(int frame)
    {
        using var scope = NewDisposeScope();
        using var x = Prep.Input(frame);
        return (Session.Stylize(x.unsqueeze(0)).add(S(1), One) / S(2))[0].MoveToOuterDisposeScope();
    }

    /// <summary>What the model file remembers of the input preparation, which <see cref="StylizeApply"/> reads back.</summary>
    public static PyDict Meta(PreFilter filter, IReadOnlyList<KeyframeFile> keys, GaussDisks? guide, Tensor?[] masks)
    {
        var meta = new PyDict
        {
            ["prefilter"] = filter.ToString().ToLowerInvariant(),
            ["keys"] = keys.Select(k => (object?)(long)k.Frame).ToList(),
        };
        if (guide is not null) meta["guide_masks"] = masks.Select(m => (object?)m).ToList();
        return meta;
    }

    /// <summary>torch's device of a name ("cpu", "cuda:1"), the CPU for null.</summary>
    internal static Device DeviceOf(string? name) => name is null ? CPU : TorchSharp.torch.device(name);

    public void Dispose() => Session.Dispose();
}
