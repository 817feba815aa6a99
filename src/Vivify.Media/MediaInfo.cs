namespace Vivify.Media;

/// <summary>What ffprobe says about a picture, a video or a folder of frames.</summary>
/// <param name="FrameRate">frames per second as ffmpeg's rational text, e.g. "30000/1001" or "25/1"</param>
/// <param name="FrameCount">frames in the video stream (1 for a still image)</param>
/// <param name="Audio">the first audio stream, or null when there is none</param>
public sealed record MediaInfo(string Path, int Width, int Height, string FrameRate, long FrameCount, double DurationSeconds,
                               string Codec, AudioInfo? Audio)
{
    public double Fps => Rational.Parse(FrameRate);
}

public sealed record AudioInfo(string Codec, int SampleRate, int Channels);

internal static class Rational
{
    public static double Parse(string text)
    {
        var parts = text.Split('/');
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (parts.Length == 2 && double.TryParse(parts[0], inv, out var n) && double.TryParse(parts[1], inv, out var d) && d != 0) return n / d;
        return double.TryParse(text, inv, out var v) ? v : 0;
    }

    /// <summary>A frame rate as text ffmpeg accepts (exact rationals kept; decimals invariant).</summary>
    public static string Format(double fps) => fps.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);
}
