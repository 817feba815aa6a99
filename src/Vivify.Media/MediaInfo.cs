namespace Vivify.Media;

/// <summary>What ffprobe says about a picture, a video or a folder of frames.</summary>
/// <param name="FrameRate">frames per second as ffmpeg's rational text, e.g. "30000/1001" or "25/1"</param>
/// <param name="FrameCount">frames in the video stream (1 for a still image)</param>
/// <param name="Audio">the first audio stream, or null when there is none</param>
public sealed record MediaInfo(string Path, int Width, int Height, string FrameRate, long FrameCount, double DurationSeconds,
                               string Codec, AudioInfo? Audio)
{
    public double Fps => Rational.Parse(FrameRate);

    /// <summary>
    /// The frames are spaced unevenly (a camera's recording with dropped frames, a variable-rate phone video):
    /// <see cref="Fps"/> is their average rate, and a frame is found by its own time, not by its index over the rate.
    /// </summary>
    public bool VariableFrameRate => FrameTimes is not null;

    /// <summary>When frame <paramref name="frame"/> is shown, from the first frame (by its own time where frames are spaced unevenly).</summary>
    public TimeSpan TimeOf(long frame) => TimeSpan.FromSeconds(FrameTimes is { Length: > 0 } t && frame >= 0 && frame < t.Length
        ? t[(int)frame] - t[0]
        : frame / Fps);

    /// <summary>For a variable frame rate: every frame's presentation time in seconds from the file's start, in order.</summary>
    internal double[]? FrameTimes { get; init; }

    /// <summary>
    /// <see cref="FrameCount"/> counts the video packets in the file (the container states no count: webm, mkv, gif), so
    /// it is what <see cref="MediaProbe.CountPackets"/> would give, not what a header announces.
    /// </summary>
    public bool FrameCountFromPackets { get; init; }
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
