namespace Vivify.Motion;

/// <summary>The number format the networks run in.</summary>
public enum ModelPrecision
{
    /// <summary>float32, as the published code.</summary>
    Float32,
    /// <summary>bfloat16: faster on CPUs with bf16 instructions; frames about 40 dB PSNR from float32's, depending on the model (docs/motion.md). The keypoint heads, reductions and keypoint geometry stay float32.</summary>
    BFloat16,
}

/// <summary>How driving keypoints move the source (normalize_kp of the published demo).</summary>
public enum MotionMode
{
    /// <summary>Movement and Jacobians relative to the initial driving frame (the published --relative).</summary>
    Relative,
    /// <summary>The driving keypoints as they are.</summary>
    Absolute,
}

/// <summary>How an <see cref="Animator"/> holds its model; fixed when it is created.</summary>
public sealed record AnimatorOptions
{
    /// <summary>float32 (default) or bfloat16.</summary>
    public ModelPrecision Precision { get; init; } = ModelPrecision.Float32;

    /// <summary>"cpu" (default), "cuda" or "cuda:N".</summary>
    public string Device { get; init; } = "cpu";
}

/// <summary>One animation: how the driving motion is applied, from which initial frame, in batches of how many frames.</summary>
public sealed record AnimateOptions
{
    /// <summary>Relative (default) or absolute motion.</summary>
    public MotionMode Mode { get; init; } = MotionMode.Relative;

    /// <summary>Scale the movement by the ratio of the keypoints' convex-hull areas (source / initial driving frame); relative mode only.</summary>
    public bool AdaptScale { get; init; }

    /// <summary>
    /// The driving frame treated as the initial one, whose pose is the source's (the published --best_frame; see
    /// <see cref="Animator.FindBestFrame"/>). Every frame is still animated. With a stream of frames (rather than a
    /// <see cref="Media.VideoSource"/>) give the initial frame itself instead.
    /// </summary>
    public long InitialFrame { get; init; }

    /// <summary>
    /// Driving frames per batch through the networks (1 to 1024; default 2). Larger batches are a little faster and
    /// hold more memory: on a 2-core CPU at 256×256, batch 4 ran 0 to 2.5 % faster than 2 and peaked 180 to 200 MB
    /// higher (bench/animate/results.md).
    /// </summary>
    public int BatchSize { get; init; } = 2;

    /// <summary>Write source | driving | result panels with labels instead of the result alone.</summary>
    public bool SideBySide { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> for values out of range or that contradict each other.</summary>
    public void Validate()
    {
        if (BatchSize is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "the batch size must be between 1 and 1024");
        if (InitialFrame < 0) throw new ArgumentOutOfRangeException(nameof(InitialFrame), InitialFrame, "the initial frame must be 0 or more");
        if (AdaptScale && Mode != MotionMode.Relative) throw new ArgumentException("adapt-scale scales relative movement; use it with relative mode", nameof(AdaptScale));
    }

    internal AnimationOptions Transfer => new(Relative: Mode == MotionMode.Relative, AdaptScale: AdaptScale);
}

/// <summary>What <see cref="Animator.FindBestFrame"/> found: the frame index, how many frames showed a face, and a warning about the source's face (a profile view) or null.</summary>
public sealed record BestFrameResult(long Frame, int FramesWithFace, int Frames, string? Warning);
