using TorchSharp;
using Vivify.Torch.Modules;
using static TorchSharp.torch;

namespace Vivify.Motion;

/// <summary>How driving keypoints are applied to the source (normalize_kp of the published demo).</summary>
/// <param name="Relative">Relative movement and relative Jacobian against the initial driving frame (the published demo's --relative).</param>
/// <param name="AdaptScale">Scale the movement by the keypoints' convex-hull areas (--adapt_scale).</param>
public sealed record AnimationOptions(bool Relative = true, bool AdaptScale = false);

/// <summary>A source image prepared once for every driving frame: its keypoints and encoded features.</summary>
public sealed class PreparedSource : IDisposable
{
    internal PreparedSource(Tensor image, Keypoints keypoints, Tensor encoded, Tensor? motionSource = null)
    {
        Image = image;
        Keypoints = keypoints;
        Encoded = encoded;
        MotionSource = motionSource;
    }

    public Tensor Image { get; }
    public Keypoints Keypoints { get; }
    public Tensor Encoded { get; }

    /// <summary>The image as the dense motion network reads it (downscaled), when the generator has one.</summary>
    internal Tensor? MotionSource { get; }

    /// <summary>Takes the tensors out of every dispose scope: the owner disposes them.</summary>
    internal PreparedSource DetachFromDisposeScope()
    {
        Image.DetachFromDisposeScope();
        Keypoints.DetachFromDisposeScope();
        Encoded.DetachFromDisposeScope();
        MotionSource?.DetachFromDisposeScope();
        return this;
    }

    public void Dispose()
    {
        Image.Dispose();
        Keypoints.Dispose();
        Encoded.Dispose();
        MotionSource?.Dispose();
    }
}

/// <summary>
/// Inference as the published demo's make_animation computes it, faster: the source's keypoints and
/// encoder features are computed once, and driving frames go through the keypoint detector and the
/// generator in batches. Models must be in eval mode.
/// </summary>
public sealed class MotionTransfer
{
    private readonly KeypointDetector kp_detector;
    private readonly OcclusionAwareGenerator generator;

    private readonly ScalarType precision;

    /// <summary>The dtype the models compute in (float32 for a bf16 request where bf16 is slower: see the constructor).</summary>
    public ScalarType ComputeType => precision;

    /// <param name="foldBatchNorm">Fold batch norms into the convolutions before them (<see cref="Blocks.BatchNormFolding"/>); do it after loading weights.</param>
    /// <param name="precision">
    /// Float32, or BFloat16: the models are converted to it and their batch norms are always folded (the fold
    /// is computed in float32 from the float32 weights, saving a bf16 rounding per layer); the keypoint detector's
    /// keypoint and Jacobian heads, heatmap reductions, keypoint geometry and 2×2 inverses stay float32. Predictions are
    /// float32.
    /// </param>
    /// <param name="nativeBf16">
    /// For BFloat16: null (default) computes in bf16 where this CPU does it faster than float32 and in float32 where
    /// it does not (<see cref="BFloat16Compute"/>: the predictions then equal float32's); true computes in bf16
    /// whatever its speed, false in float32.
    /// </param>
    /// <param name="inferenceOnly">
    /// The models serve this transfer only: folding frees the weights it replaces, block by block, so that
    /// memory holds one copy of the model (they cannot be trained or run unfolded afterwards).
    /// </param>
    public MotionTransfer(KeypointDetector kp_detector, OcclusionAwareGenerator generator, bool foldBatchNorm = false,
        ScalarType precision = ScalarType.Float32, bool inferenceOnly = false, bool? nativeBf16 = null)
    {
        if (precision is not (ScalarType.Float32 or ScalarType.BFloat16))
            throw new ArgumentException($"precision {precision} is not supported: use Float32 or BFloat16", nameof(precision));
        this.kp_detector = kp_detector;
        this.generator = generator;
        precision = BFloat16Compute.For(precision, generator.final.weight!.device, nativeBf16);
        this.precision = precision;
        if (foldBatchNorm || inferenceOnly || precision != ScalarType.Float32)
        {
            Blocks.BatchNormFolding.Fold(kp_detector, precision, inferenceOnly);
            Blocks.BatchNormFolding.Fold(generator, precision, inferenceOnly);
        }
        if (precision != ScalarType.Float32)
        {
            kp_detector.ToInferenceDtype(precision); // its keypoint heads stay float32
            generator.to(precision);
        }
        if (inferenceOnly)
        {
            ChannelsLastWeights(kp_detector);
            ChannelsLastWeights(generator);
            kp_detector.PrepareForInference();
            generator.PrepareForInference();
        }
        TimingTrace.Mark($"models folded, computing in {precision}");
    }

    /// <summary>
    /// The remaining convolutions' weights laid out channels last, as the inference feature maps are (libtorch would
    /// otherwise copy them to that layout at every call; most cost in the hourglasses' small, wide layers).
    /// </summary>
    private static void ChannelsLastWeights(nn.Module model)
    {
        using var _ = no_grad();
        foreach (var (_, m) in model.named_modules())
        {
            if (m is not TorchSharp.Modules.Conv2d conv || conv.weight is not { } w || w.device.type == DeviceType.META || ChannelsLast.Is(w)) continue;
            conv.weight = new TorchSharp.Modules.Parameter(ChannelsLast.Of(w), requires_grad: false);
            w.Dispose();
        }
    }

    /// <summary>Keypoints and features of a source image [1, C, H, W]; the caller disposes the result.</summary>
    public PreparedSource Prepare(Tensor source)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        source = source.to(precision);
        var kp = kp_detector.forward(source);
        var encoded = generator.encode(source);
        var motionSource = generator.dense_motion_network?.downscale(source);
        TimingTrace.Mark("source prepared");
        return new PreparedSource(source.alias().MoveToOuterDisposeScope(), kp.MoveToOuterDisposeScope(), encoded.MoveToOuterDisposeScope(),
            motionSource?.MoveToOuterDisposeScope());
    }

    /// <summary>Keypoints of driving frames [N, C, H, W] (the initial frame's, for relative mode).</summary>
    public Keypoints DetectKeypoints(Tensor frames)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var keypoints = kp_detector.forward(frames.to(precision)).MoveToOuterDisposeScope();
        TimingTrace.Mark($"keypoints of {Counted.Of(frames.shape[0], "frame")}");
        return keypoints;
    }

    /// <summary>
    /// Predictions [N, C, H, W] for a batch of driving frames; <paramref name="kp_driving_initial"/> is the
    /// keypoints of the frame treated as the initial one (batch 1), used in relative mode; <paramref name="kp_driving"/>
    /// the frames' own keypoints when they are already known (<see cref="DetectKeypoints"/>), else they are detected.
    /// </summary>
    public Tensor Animate(PreparedSource source, Tensor driving_frames, Keypoints kp_driving_initial, AnimationOptions options,
        Keypoints? kp_driving = null)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        kp_driving ??= kp_detector.forward(driving_frames.to(precision));
        var kp_norm = NormalizeKp.normalize_kp(source.Keypoints, kp_driving, kp_driving_initial,
            adapt_movement_scale: options.AdaptScale, use_relative_movement: options.Relative, use_relative_jacobian: options.Relative);
        var output = generator.forward_encoded(source.Image, source.Encoded, kp_norm, source.Keypoints, withDeformed: false, motion_source: source.MotionSource);
        TimingTrace.Mark($"{Counted.Of(driving_frames.shape[0], "frame")} animated");
        return output.prediction.to(ScalarType.Float32).MoveToOuterDisposeScope(); // the other outputs die with this scope
    }
}
