namespace Vivify.Media;

/// <summary>A rectangle of whole pixels: columns [Left, Left + Width), rows [Top, Top + Height).</summary>
public readonly record struct PixelRect(int Left, int Top, int Width, int Height)
{
    public bool IsEmpty => Width <= 0 || Height <= 0;
    public int Right => Left + Width;
    public int Bottom => Top + Height;
}

/// <summary>
/// A square region of a picture in whole pixels. It may reach outside the picture: what is cut there for a network
/// repeats the nearest edge pixels (<see cref="FrameRegion.Cut(RgbFrame, SquareBox)"/>), and only the part inside is
/// pasted back (<see cref="PasteBack"/>).
/// </summary>
public readonly record struct SquareBox(int Left, int Top, int Side)
{
    public int Right => Left + Side;
    public int Bottom => Top + Side;
    public double CenterX => Left + Side / 2.0;
    public double CenterY => Top + Side / 2.0;

    /// <summary>The square of side <paramref name="side"/> (at least 1) centred on (<paramref name="cx"/>, <paramref name="cy"/>), rounded to whole pixels.</summary>
    public static SquareBox Centered(double cx, double cy, double side)
    {
        var s = Math.Max(1, (int)Math.Round(side));
        return new SquareBox((int)Math.Round(cx - s / 2.0), (int)Math.Round(cy - s / 2.0), s);
    }

    /// <summary>The part inside a <paramref name="width"/>×<paramref name="height"/> picture (empty when none).</summary>
    public PixelRect Inside(int width, int height)
    {
        int l = Math.Max(0, Left), t = Math.Max(0, Top), r = Math.Min(width, Right), b = Math.Min(height, Bottom);
        return r > l && b > t ? new PixelRect(l, t, r - l, b - t) : default;
    }

    /// <summary>Whether the two squares share a pixel.</summary>
    public bool Overlaps(SquareBox other) =>
        Left < other.Right && other.Left < Right && Top < other.Bottom && other.Top < Bottom;

    public override string ToString() => $"{Side}x{Side} at ({Left}, {Top})";
}
