using System.Globalization;

namespace Vivify.Media;

/// <summary>
/// A video's frames timed from its packets (ffprobe demuxing, no decoding). Used where the container states no frame
/// count (mkv, webm, gif), or where its average rate and ffprobe's guess of the rate disagree (a variable-rate video):
/// the frames' count, their average rate, and whether they are spaced so unevenly that frame N cannot be found by time
/// as N / rate.
/// </summary>
internal sealed class FrameTiming
{
    /// <summary>Frames timed one by one at most (8 MB of times, over 9 hours at 30 frames/s); a longer video is only counted.</summary>
    public const int MaxTimedFrames = 1_000_000;

    private FrameTiming(long packets, long timed, double first, double last, double[] times)
    {
        Packets = packets;
        Times = times;
        AverageRate = timed >= 2 && last > first ? (timed - 1) / (last - first) : 0;
        Uneven = AverageRate > 0 && times.Length == timed && times.Select((t, k) => Math.Abs(t - first - k / AverageRate)).Max() > 0.25 / AverageRate;
    }

    /// <summary>Video packets in the file (frames present).</summary>
    public long Packets { get; }

    /// <summary>
    /// The timed packets' presentation times in seconds, in ascending order (display order); empty for a video of
    /// more than <see cref="MaxTimedFrames"/>.
    /// </summary>
    public double[] Times { get; }

    /// <summary>Frames after the first over the time from the first to the last; 0 for fewer than two timed frames.</summary>
    public double AverageRate { get; }

    /// <summary>
    /// Some frame is more than a quarter of a frame away from where the average rate puts it: a seek to frame N by the
    /// time (N − ½) / rate could land on another frame (a camera's recording with dropped frames, a phone's video).
    /// </summary>
    public bool Uneven { get; }

    /// <summary>Reads the packets' times as ffprobe lists them, line by line (memory bounded by <see cref="MaxTimedFrames"/>).</summary>
    public static FrameTiming Of(string path)
    {
        long packets = 0, timed = 0;
        double first = double.PositiveInfinity, last = double.NegativeInfinity;
        var times = new List<double>();
        MediaProbe.ReadProbeLines(path, ["-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0"], "count its frames", line =>
        {
            packets++;
            if (!double.TryParse(line.Trim().Trim(','), NumberStyles.Float, CultureInfo.InvariantCulture, out var t) || !double.IsFinite(t)) return;
            timed++;
            (first, last) = (Math.Min(first, t), Math.Max(last, t));
            if (timed <= MaxTimedFrames) times.Add(t);
            else times.Clear();
        });
        times.Sort();
        return new FrameTiming(packets, timed, first, last, timed <= MaxTimedFrames ? [.. times] : []);
    }

    /// <summary>ffprobe's average rate and its guess disagree by more than 1 %: the frames may be spaced unevenly.</summary>
    public static bool RatesDisagree(string? average, string? guessed)
    {
        double avg = Rational.Parse(average ?? "0"), r = Rational.Parse(guessed ?? "0");
        return avg > 0 && r > 0 && Math.Abs(avg / r - 1) > 0.01;
    }

    /// <summary>
    /// The stream's frame rate. A container without a frame count (mkv, webm) and without a default frame duration, as
    /// a browser's MediaRecorder writes, gives ffprobe only the timestamps, which a live camera spaces unevenly: ffprobe
    /// then has no average (0/0) and guesses the time base (1000/1) as the rate, which would make a 2.5 s recording
    /// a 0.04 s animation. Where the packets were timed (<paramref name="measured"/> &gt; 0), a rate ffprobe does not
    /// average, or one that is off from the measured one by more than half, gives way to the measured average. With
    /// nothing measured (fewer than two frames), a guess that is the stream's clock of 240 ticks a second or finer
    /// (<paramref name="timeBase"/>, such as a webm's 1/1000) is no frame rate: 25 is taken instead.
    /// </summary>
    public static string FrameRate(string? average, string? guessed, double measured, string? timeBase = null)
    {
        var avg = Rational.Parse(average ?? "0");
        if (avg > 0 && (measured <= 0 || Math.Abs(avg / measured - 1) <= 0.5)) return average!;
        if (measured > 0) return Rational.Format(Math.Round(measured, 3));
        var guess = Rational.Parse(guessed ?? "0");
        var clock = Rational.Parse(timeBase ?? "0");
        var isClock = clock > 0 && guess >= 240 && Math.Abs(guess * clock - 1) < 1e-9;
        if (guess > 0 && !isClock) return guessed!;
        return "25/1";
    }
}
