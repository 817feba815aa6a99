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

    /// <summary>"temporal", "spatial" or "none" (any case) to its <see cref="PreFilter"/>; false for anything else.</summary>
    public static bool TryParse(string text, out PreFilter filter)
    {
        PreFilter? f = text.ToLowerInvariant() switch
        {
            "temporal" => PreFilter.Temporal,
            "spatial" => PreFilter.Spatial,
            "none" => PreFilter.None,
            _ => null,
        };
        filter = f ?? PreFilter.Temporal;
        return f is not null;
    }

    /// <summary>As <see cref="TryParse"/>, throwing <see cref="ArgumentException"/> for a name that is none of them.</summary>
    public static PreFilter Parse(string text) =>
        TryParse(text, out var f) ? f : throw new ArgumentException($"pre-filter '{text}' is not one of temporal, spatial, none", nameof(text));
}
