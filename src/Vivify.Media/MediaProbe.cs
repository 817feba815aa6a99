using System.Globalization;
using System.Text.Json;

namespace Vivify.Media;

/// <summary>ffprobe on one file: size (display orientation), frame rate, frame count, duration, audio.</summary>
public static class MediaProbe
{
    public static MediaInfo Probe(string path)
    {
        InputPath.RequireReadableFile(path, "an image or video");
        var ffprobe = FfmpegTools.Ffprobe; // a missing ffprobe is not the file's fault
        string json;
        try
        {
            json = FfmpegProcess.RunText(ffprobe,
                ["-v", "error", "-print_format", "json", "-show_streams", "-show_format", InputPath.ForFfmpeg(path)],
                err => $"{path}: not an image or video ffmpeg can read ({err}); check the file or re-encode it");
        }
        catch (VivifyException e) when (e.GetType() == typeof(VivifyException)) // ffprobe ran and refused the file
        {
            throw new InvalidInputException(path, e.Message, e);
        }
        using var doc = JsonDocument.Parse(json);
        var streams = doc.RootElement.TryGetProperty("streams", out var s) ? s.EnumerateArray().ToList() : [];
        var video = streams.FirstOrDefault(e => Str(e, "codec_type") == "video");
        if (video.ValueKind != JsonValueKind.Object)
            throw new InvalidInputException(path, $"{path}: has no picture (no video stream); give an image or a video");
        var audio = streams.FirstOrDefault(e => Str(e, "codec_type") == "audio");
        int w = Int(video, "width"), h = Int(video, "height");
        if (w <= 0 || h <= 0) throw new InvalidInputException(path, $"{path}: the picture has no size; the file is corrupt, re-encode it");
        if (Math.Abs(Rotation(video)) % 180 == 90) (w, h) = (h, w);
        var duration = Dbl(video, "duration");
        if (duration <= 0 && doc.RootElement.TryGetProperty("format", out var fmt)) duration = Dbl(fmt, "duration");
        long frames = long.TryParse(Str(video, "nb_frames"), out var nf) ? nf : 0;
        double measured = 0;
        if (InputPath.IsStill(path)) frames = 1;
        else if (frames <= 0) (frames, measured) = PacketRate(path);
        var rate = FrameRate(Str(video, "avg_frame_rate"), Str(video, "r_frame_rate"), measured);
        if (duration <= 0 && frames > 1) duration = frames / Rational.Parse(rate);
        var audioInfo = audio.ValueKind == JsonValueKind.Object
            ? new AudioInfo(Str(audio, "codec_name") ?? "?", Int(audio, "sample_rate"), Int(audio, "channels"))
            : null;
        return new MediaInfo(path, w, h, rate!, frames, duration, Str(video, "codec_name") ?? "?", audioInfo);
    }

    /// <summary>
    /// Counts video packets (demuxing only, no decoding: fast): the frame count where the container has none (mkv, webm,
    /// gif), and fewer than the container announces when the file is cut short.
    /// </summary>
    public static long CountPackets(string path) => Count(path, "-count_packets", "nb_read_packets", "count its frames");

    /// <summary>
    /// The stream's frame rate. A container without a frame count (mkv, webm) and without a default frame duration, as
    /// a browser's MediaRecorder writes, gives ffprobe only the timestamps, which a live camera spaces unevenly: ffprobe
    /// then has no average (0/0) and guesses the time base (1000/1) as the rate, which would make a 2.5 s recording
    /// a 0.04 s animation. Where the packets were timed (<paramref name="measured"/> &gt; 0), a rate ffprobe does not
    /// average, or one that is off from the measured one by more than half, gives way to the measured average.
    /// </summary>
    internal static string FrameRate(string? average, string? guessed, double measured)
    {
        var avg = Rational.Parse(average ?? "0");
        if (avg > 0 && (measured <= 0 || Math.Abs(avg / measured - 1) <= 0.5)) return average!;
        if (measured > 0) return Rational.Format(Math.Round(measured, 3));
        if (Rational.Parse(guessed ?? "0") > 0) return guessed!;
        return "25/1";
    }

    /// <summary>
    /// Video packets (demuxing only, no decoding) with their timestamps: how many there are, and their average rate, the
    /// packets after the first over the time from the first to the last (0 for fewer than two timed packets).
    /// </summary>
    internal static (long Packets, double Rate) PacketRate(string path)
    {
        var text = RunProbe(path, ["-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0"], "count its frames");
        long packets = 0, timed = 0;
        double first = double.PositiveInfinity, last = double.NegativeInfinity;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            packets++;
            if (!double.TryParse(line.Trim(','), NumberStyles.Float, CultureInfo.InvariantCulture, out var t)) continue;
            timed++;
            first = Math.Min(first, t);
            last = Math.Max(last, t);
        }
        return (packets, timed >= 2 && last > first ? (timed - 1) / (last - first) : 0);
    }

    /// <summary>Decodes every frame of the video stream to count those that decode (slow: a whole decoding pass).</summary>
    public static long CountDecodableFrames(string path) => Count(path, "-count_frames", "nb_read_frames", "decode its frames");

    private static long Count(string path, string flag, string entry, string doing)
    {
        var text = RunProbe(path, ["-select_streams", "v:0", flag, "-show_entries", "stream=" + entry, "-of", "csv=p=0"], doing);
        return long.TryParse(text.Trim().Split('\n')[0].Trim(','), out var n) ? n : 0;
    }

    private static string RunProbe(string path, string[] args, string doing)
    {
        var ffprobe = FfmpegTools.Ffprobe;
        try
        {
            return FfmpegProcess.RunText(ffprobe, ["-v", "error", .. args, InputPath.ForFfmpeg(path)],
                err => $"{path}: cannot {doing} ({err}); the video is corrupt, re-encode it");
        }
        catch (VivifyException e) when (e.GetType() == typeof(VivifyException)) // ffprobe ran and refused the file
        {
            throw new InvalidInputException(path, e.Message, e);
        }
    }

    private static int Rotation(JsonElement video)
    {
        if (video.TryGetProperty("side_data_list", out var sd))
            foreach (var e in sd.EnumerateArray())
                if (e.TryGetProperty("rotation", out var r) && r.TryGetInt32(out var deg)) return deg;
        if (video.TryGetProperty("tags", out var tags) && int.TryParse(Str(tags, "rotate"), out var rot)) return rot;
        return 0;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString()) : null;

    private static int Int(JsonElement e, string name) => int.TryParse(Str(e, name), out var v) ? v : 0;

    private static double Dbl(JsonElement e, string name) =>
        double.TryParse(Str(e, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;
}
