using static TorchSharp.torch;

namespace Vivify.Stylize.Prep;

/// <summary>Which pre-filter prepares the input frames.</summary>
public enum PreFilter
{
    /// <summary>The published time-aware bilateral filter along optical flow (<see cref="TemporalBilateral"/>).</summary>
    Temporal,
    /// <summary>OpenCV's per-frame bilateral filter (<see cref="SpatialBilateral"/>).</summary>
    Spatial,
    /// <summary>The frames as they are.</summary>
    None,
}

/// <summary>
/// The generator's inputs for the frames of a clip, prepared as the published tool prepares them: the pre-filtered
/// frame ("input_filtered"), followed, with auxiliary guides, by the Gaussian-disk image ("input_gdisko_gauss_r10_s10"),
/// each mapped to [-1,1].
/// </summary>
public sealed class FramePrep(Clip clip, PreFilter filter, GaussDisks? guide = null)
{
    public Clip Clip { get; } = clip;
    public PreFilter Filter { get; } = filter;
    public GaussDisks? Guide { get; } = guide;
    public int Channels => Guide is null ? 3 : 6;

    /// <summary>The filtered frame f, uint8 [3,H,W].</summary>
    public Tensor Filtered(int f) => Filter switch
    {
        PreFilter.Temporal => TemporalBilateral.Filter(Clip, f),
        PreFilter.Spatial => SpatialBilateral.Filter(Clip[f]),
        _ => Clip[f].clone(),
    };

    /// <summary>The generator input for frame f: float32 [C,H,W] in [-1,1].</summary>
    public Tensor Input(int f)
    {
        using var scope = NewDisposeScope();
        var x = Keyframe.ToModelSpace(Filtered(f));
        if (Guide is not null) x = cat([x, Keyframe.ToModelSpace(Guide.Render(f))], 0);
        return x.MoveToOuterDisposeScope();
    }

    public static PreFilter Parse(string text) => text.ToLowerInvariant() switch
    {
        "temporal" => PreFilter.Temporal,
        "spatial" => PreFilter.Spatial,
        "none" => PreFilter.None,
        _ => throw new UsageException($"pre-filter '{text}' is not one of temporal, spatial, none"),
    };
}
