using Vivify.Faces;
using Vivify.Media;
using Vivify.Torch;
using static TorchSharp.torch;

namespace Vivify.Motion;

/// <summary>
/// Animates pictures with the motion of driving videos (First Order Motion Model), as the published demo.py does it,
/// faster: created once from a checkpoint and its config, it then animates any number of sources (each prepared once:
/// keypoints and encoder features) with any number of driving streams, in batches; frames are decoded ahead and
/// encoded behind the networks on other threads; batch norms are folded into the convolutions before them.
/// <para>
/// Thread safety: one instance may serve concurrent callers. Its network calls are serialised (one batch runs at a
/// time, the others wait: libtorch already uses every core for one), while decoding, encoding and the callers' own
/// work overlap. A <see cref="DrivingSession"/> and an <see cref="AnimationSource"/> may be used by one caller at a time.
/// </para>
/// </summary>
/// <example>
/// <code>
/// using var animator = Animator.Load("vox-256.yaml", "vox-cpk.pth.tar");
/// using var source = animator.PrepareSource("portrait.jpg");
/// animator.Animate(source, VideoSource.Open("driving.mp4"), "out.mp4");
/// </code>
/// </example>
public sealed class Animator : IDisposable
{
    private static readonly string[] PanelLabels = ["source", "driving", "result"];

    private readonly MotionModel _model;
    private readonly MotionTransfer _transfer;
    private readonly object _gate = new();
    private bool _disposed;

    private Animator(MotionModel model, AnimatorOptions options)
    {
        _model = model;
        Options = options;
        _transfer = new MotionTransfer(model.KeypointDetector, model.Generator, foldBatchNorm: true,
            precision: options.Precision == ModelPrecision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32, inferenceOnly: true);
        FrameSize = model.FrameSize;
    }

    /// <summary>
    /// Loads a checkpoint (torch.save zip or legacy format, or safetensors; published layout: <c>generator</c>,
    /// <c>kp_detector</c>) with the YAML config it was trained with (see <see cref="MotionModel.Load"/> for the errors).
    /// </summary>
    public static Animator Load(string configPath, string checkpointPath, AnimatorOptions? options = null)
    {
        options ??= new AnimatorOptions();
        var model = MotionModel.Load(configPath, checkpointPath, options.Device);
        try { return new Animator(model, options); }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public AnimatorOptions Options { get; }

    /// <summary>The model's frame height and width (dataset_params.frame_shape): sources and driving frames are resized to it.</summary>
    public (int Height, int Width) FrameSize { get; }

    /// <summary>The config the model was built from.</summary>
    public FommConfig Config => _model.Config;

    /// <summary>Reads a picture (png, jpg, …) and prepares it (<see cref="PrepareSource(RgbFrame, string)"/>).</summary>
    public AnimationSource PrepareSource(string picturePath) => PrepareSource(ImageIO.ReadFrame(picturePath), picturePath);

    /// <summary>Prepares a picture of any size once for any number of animations: resized to <see cref="FrameSize"/>, keypoints, features.</summary>
    public AnimationSource PrepareSource(RgbFrame picture, string name = "the source picture")
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        var (height, width) = FrameSize;
        var image = Geometry.Resize(picture.ToTensor(), height, width);
        PreparedSource prepared;
        lock (_gate) prepared = _transfer.Prepare(image.unsqueeze(0).to(_model.Device)).DetachFromDisposeScope();
        return new AnimationSource(this, name, image.DetachFromDisposeScope(), prepared);
    }

    /// <summary>Starts an animation driven batch by batch (<see cref="DrivingSession"/>): the entry point for driving frames the caller cuts and resizes itself.</summary>
    public DrivingSession StartDriving(AnimationSource source, AnimateOptions? options = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckSource(source);
        options ??= new AnimateOptions();
        options.Validate();
        return new DrivingSession(this, source, options);
    }

    /// <summary>
    /// Animates <paramref name="source"/> with every frame of <paramref name="driving"/>, writing to
    /// <paramref name="outputPath"/> (.mp4/.mov/.mkv, .gif, or a directory of numbered PNG frames) at the driving
    /// video's frame rate, with its audio when <paramref name="audio"/> and the driving input is a video file. The
    /// output appears only when whole. Returns the number of frames.
    /// </summary>
    public long Animate(AnimationSource source, VideoSource driving, string outputPath, AnimateOptions? options = null,
        bool audio = true, IProgressReporter? progress = null, CancellationToken cancel = default)
    {
        var write = new VideoWriteOptions
        {
            FrameRate = driving.Info.FrameRate,
            AudioFrom = audio && !Directory.Exists(driving.Info.Path) ? driving.Info.Path : null,
            AudioFromInfo = driving.Info,
            TimingFrom = driving.Info,
        };
        return Animate(source, driving, new VideoWriter(outputPath, write), options, progress, cancel);
    }

    /// <summary>
    /// Animates <paramref name="source"/> with every frame of <paramref name="driving"/> into <paramref name="output"/>,
    /// which this call completes (the output appears) and disposes, also on failure or cancellation (then nothing is
    /// left behind). Frames are decoded ahead and encoded behind on other threads. The initial frame is
    /// <see cref="AnimateOptions.InitialFrame"/>. Returns the number of frames.
    /// </summary>
    public long Animate(AnimationSource source, VideoSource driving, VideoWriter output, AnimateOptions? options = null,
        IProgressReporter? progress = null, CancellationToken cancel = default)
    {
        options ??= new AnimateOptions();
        var (height, width) = FrameSize;
        using var writer = new BackgroundVideoWriter(output, capacity: 2 * Math.Max(1, options.BatchSize),
            size: options.SideBySide ? null : (width, height));
        var count = Run(source, driving, writer.Write, options, progress, cancel);
        cancel.ThrowIfCancellationRequested();
        writer.Complete();
        return count;
    }

    /// <summary>
    /// Animates <paramref name="source"/> with every frame of <paramref name="driving"/>, handing each animated frame
    /// (in order, at <see cref="FrameSize"/> or as side-by-side panels) to <paramref name="output"/> on the calling
    /// thread. The initial frame is <see cref="AnimateOptions.InitialFrame"/>. Returns the number of frames.
    /// </summary>
    public long Animate(AnimationSource source, VideoSource driving, Action<RgbFrame> output, AnimateOptions? options = null,
        IProgressReporter? progress = null, CancellationToken cancel = default) =>
        Run(source, driving, output, options ?? new AnimateOptions(), progress, cancel);

    /// <summary>
    /// Animates <paramref name="source"/> with a stream of driving frames of any size (a camera's, a request's),
    /// handing each animated frame to <paramref name="output"/> in order. <paramref name="initialFrame"/> is the frame
    /// whose pose is the source's (default: the stream's first); <see cref="AnimateOptions.InitialFrame"/> must be 0.
    /// The stream is read ahead on another thread. Returns the number of frames.
    /// </summary>
    public long Animate(AnimationSource source, IEnumerable<RgbFrame> driving, Action<RgbFrame> output, AnimateOptions? options = null,
        RgbFrame? initialFrame = null, long? frameCount = null, IProgressReporter? progress = null, CancellationToken cancel = default)
    {
        options ??= new AnimateOptions();
        if (options.InitialFrame != 0)
            throw new ArgumentException("a stream of frames has no frame index to seek: give the initial frame itself", nameof(options));
        return AnimateStream(source, driving, output, options, initialFrame, frameCount, "the driving frames", progress, cancel);
    }

    /// <summary>
    /// <see cref="Animate(AnimationSource, IEnumerable{RgbFrame}, Action{RgbFrame}, AnimateOptions?, RgbFrame?, long?, IProgressReporter?, CancellationToken)"/>
    /// for an asynchronous stream, with an asynchronous consumer; the networks run on a thread-pool thread.
    /// </summary>
    public async Task<long> AnimateAsync(AnimationSource source, IAsyncEnumerable<RgbFrame> driving, Func<RgbFrame, CancellationToken, ValueTask> output,
        AnimateOptions? options = null, RgbFrame? initialFrame = null, IProgressReporter? progress = null, CancellationToken cancel = default)
    {
        options ??= new AnimateOptions();
        if (options.InitialFrame != 0)
            throw new ArgumentException("a stream of frames has no frame index to seek: give the initial frame itself", nameof(options));
        using var session = StartDriving(source, options);
        if (initialFrame is not null) SetInitial(session, initialFrame);
        var batch = new List<RgbFrame>(options.BatchSize);
        long count = 0;
        using var task = (progress ?? NoProgress.Instance).Start("animate", null);
        async Task Flush()
        {
            if (batch.Count == 0) return;
            // On a thread that ends with the batch (see TorchThreads): the thread pool's would each keep an OpenMP team.
            var frames = await TorchThreads.OnOwnThread(() => AnimateFrames(session, source, batch, options.SideBySide, cancel), "vivify animate").ConfigureAwait(false);
            foreach (var f in frames) await output(f, cancel).ConfigureAwait(false);
            task.Advance(batch.Count);
            count += batch.Count;
            batch.Clear();
        }
        await foreach (var frame in driving.WithCancellation(cancel).ConfigureAwait(false))
        {
            batch.Add(frame);
            if (batch.Count == options.BatchSize) await Flush().ConfigureAwait(false);
        }
        await Flush().ConfigureAwait(false);
        if (count == 0) throw new InvalidInputException("the driving frames", "the driving frames: the stream held no frame; give at least one");
        return count;
    }

    /// <summary>
    /// The published demo's <c>find_best_frame</c>: the driving frame whose face landmarks (68 points, normalised)
    /// are closest to those of the source's face, to start relative motion from (<see cref="AnimateOptions.InitialFrame"/>).
    /// Frames are resized to the model's size as for animation. <paramref name="faceModels"/> is the folder of the
    /// face-api networks (default: <see cref="FaceModels.DefaultDirectory"/>); <paramref name="face"/> which of the
    /// source's faces (0-based, left to right; default the largest).
    /// </summary>
    public BestFrameResult FindBestFrame(AnimationSource source, VideoSource driving, string? faceModels = null, int? face = null,
        IProgressReporter? progress = null, CancellationToken cancel = default) =>
        BestFrameSearch.Find(source, driving.Frames(0, null, cancel), driving.Info.FrameCount > 0 ? driving.Info.FrameCount : (long?)null,
            driving.Info.Path, faceModels, face, progress ?? NoProgress.Instance, cancel);

    private long Run(AnimationSource source, VideoSource driving, Action<RgbFrame> output, AnimateOptions options,
        IProgressReporter? progress, CancellationToken cancel)
    {
        options.Validate();
        var info = driving.Info;
        if (info.FrameCount > 0 && options.InitialFrame >= info.FrameCount)
            throw new InvalidInputException(info.Path, $"initial frame {options.InitialFrame}: {info.Path} has {Counted.Of(info.FrameCount, "frame")} (0 to {info.FrameCount - 1}); choose one of them");
        // The initial frame is usually the first one: its keypoints are then those of the first batch's first frame.
        var initial = options.InitialFrame == 0 ? null : driving.ReadFrame(options.InitialFrame);
        return AnimateStream(source, driving.Frames(0, null, cancel), output, options, initial, info.FrameCount > 0 ? info.FrameCount : (long?)null, info.Path, progress, cancel);
    }

    private long AnimateStream(AnimationSource source, IEnumerable<RgbFrame> driving, Action<RgbFrame> output, AnimateOptions options,
        RgbFrame? initialFrame, long? frameCount, string drivingName, IProgressReporter? progress, CancellationToken cancel)
    {
        using var session = StartDriving(source, options);
        if (initialFrame is not null) SetInitial(session, initialFrame);
        long count = 0;
        var pending = new List<RgbFrame>(options.BatchSize);
        using (var task = (progress ?? NoProgress.Instance).Start("animate", frameCount))
        {
            void Flush()
            {
                if (pending.Count == 0) return;
                foreach (var frame in AnimateFrames(session, source, pending, options.SideBySide, cancel)) output(frame);
                task.Advance(pending.Count);
                count += pending.Count;
                pending.Clear();
            }
            foreach (var frame in Prefetch.Ahead(driving, 2 * options.BatchSize, cancel))
            {
                cancel.ThrowIfCancellationRequested();
                pending.Add(frame);
                if (pending.Count == options.BatchSize) Flush();
            }
            Flush();
        }
        if (count == 0) throw new InvalidInputException(drivingName, $"{drivingName}: no frame could be read; check the video");
        return count;
    }

    /// <summary>One batch of driving frames of any size: resized, animated, and as frames to write.</summary>
    private List<RgbFrame> AnimateFrames(DrivingSession session, AnimationSource source, List<RgbFrame> pending, bool sideBySide, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        var (height, width) = FrameSize;
        using var scope = NewDisposeScope();
        var batch = stack(pending.Select(f => Geometry.Resize(f.ToTensor(), height, width)).ToArray());
        var predictions = session.Animate(batch);
        var frames = new List<RgbFrame>(pending.Count);
        for (var i = 0; i < pending.Count; i++)
            frames.Add(RgbFrame.FromTensor(sideBySide ? SideBySide.Compose([source.Image, batch[i], predictions[i]], height, PanelLabels) : predictions[i]));
        return frames;
    }

    private void SetInitial(DrivingSession session, RgbFrame initialFrame)
    {
        using var scope = NewDisposeScope();
        var (height, width) = FrameSize;
        session.SetInitialFrame(Geometry.Resize(initialFrame.ToTensor(), height, width));
    }

    internal void CheckSource(AnimationSource source)
    {
        if (!ReferenceEquals(source.Owner, this))
            throw new ArgumentException("the source was prepared by another Animator; prepare it with this one", nameof(source));
    }

    internal void CheckFrames(Tensor frames, string name)
    {
        var (height, width) = FrameSize;
        if (frames.dim() != 4 || frames.shape[1] != 3 || frames.shape[2] != height || frames.shape[3] != width)
            throw new ArgumentException($"expected driving frames [N, 3, {height}, {width}] (the model's frame size), got [{string.Join(", ", frames.shape)}]", name);
    }

    /// <summary>Keypoints of frames [N, 3, H, W] at the model's size.</summary>
    internal Keypoints DetectKeypoints(Tensor frames)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_gate) return _transfer.DetectKeypoints(frames.to(_model.Device));
    }

    /// <summary>Predictions for a batch; <paramref name="initial"/> becomes the first frame's keypoints when null.</summary>
    internal Tensor AnimateBatch(AnimationSource source, Tensor frames, ref Keypoints? initial, AnimationOptions options)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckSource(source);
        using var scope = NewDisposeScope();
        lock (_gate)
        {
            var onDevice = frames.to(_model.Device);
            var keypoints = _transfer.DetectKeypoints(onDevice);
            initial ??= keypoints.Item(0).DetachFromDisposeScope();
            return _transfer.Animate(source.Prepared, onDevice, initial, options, keypoints).MoveToOuterDisposeScope();
        }
    }

    /// <summary>
    /// This model as a crop animator for full-frame animation (<see cref="MotionCropAnimator"/>; Vivify.Faces'
    /// <c>FullFrameAnimation</c> cuts, tracks and pastes back); dispose it before the animator.
    /// </summary>
    public MotionCropAnimator CropAnimator(AnimateOptions? options = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        options ??= new AnimateOptions();
        return new MotionCropAnimator(_transfer, FrameSize,
            new AnimationOptions(Relative: options.Mode == MotionMode.Relative, AdaptScale: options.AdaptScale), _model.Device);
    }

    /// <summary>Frees the model. Sources and sessions it made must not be used afterwards.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        lock (_gate)
        {
            _disposed = true;
            _model.Dispose();
        }
    }
}
