using static TorchSharp.torch;

namespace Vivify.Media;

/// <summary>
/// Reshapes frames one by one: the largest centred square first (<see cref="Square"/>), then a resize to
/// <see cref="Size"/> (area averaging when shrinking), or a crop of a region resized to a size.
/// </summary>
public sealed record FrameTransform
{
    /// <summary>Crop the largest centred square first.</summary>
    public bool Square { get; init; }

    /// <summary>Resize to this width and height, or keep the size.</summary>
    public (int Width, int Height)? Size { get; init; }

    /// <summary>The frame reshaped (the frame itself when there is nothing to do).</summary>
    public RgbFrame Apply(RgbFrame frame)
    {
        if (!Square && Size is null) return frame;
        using var scope = NewDisposeScope();
        var t = frame.ToTensor();
        if (Square) t = Geometry.CenterSquare(t);
        if (Size is var (w, h)) t = Geometry.Resize(t, h, w);
        return RgbFrame.FromTensor(t);
    }

    /// <summary>The region (left, top, width, height in pixels) of <paramref name="frame"/>, resized to <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static RgbFrame CropResize(RgbFrame frame, int left, int top, int regionWidth, int regionHeight, int width, int height)
    {
        using var scope = NewDisposeScope();
        var crop = Geometry.Crop(frame.ToTensor(), top, left, regionHeight, regionWidth);
        return RgbFrame.FromTensor(Geometry.Resize(crop, height, width));
    }

    /// <summary>The frame resized to <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static RgbFrame Resize(RgbFrame frame, int width, int height)
    {
        if (frame.Width == width && frame.Height == height) return frame;
        using var scope = NewDisposeScope();
        return RgbFrame.FromTensor(Geometry.Resize(frame.ToTensor(), height, width));
    }
}
