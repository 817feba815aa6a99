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
        var format = doc.RootElement.TryGetProperty("format", out var fmt) ? fmt : default;
        var duration = Dbl(video, "duration");
        if (duration <= 0 && format.ValueKind == JsonValueKind.Object) duration = Dbl(format, "duration");
        long frames = long.TryParse(Str(video, "nb_frames"), out var nf) ? nf : 0;
        string? average = Str(video, "avg_frame_rate"), guessed = Str(video, "r_frame_rate");
        FrameTiming? timing = null;
        var counted = false;
        if (InputPath.IsStill(path)) frames = 1;
        else if (frames <= 0) (frames, counted) = ((timing = FrameTiming.Of(path)).Packets, true);
        else if (FrameTiming.RatesDisagree(average, guessed)) timing = FrameTiming.Of(path);
        var rate = FrameTiming.FrameRate(average, guessed, timing?.AverageRate ?? 0, Str(video, "time_base"));
        if (duration <= 0 && frames > 1) duration = frames / Rational.Parse(rate);
        var audioInfo = audio.ValueKind == JsonValueKind.Object
            ? new AudioInfo(Str(audio, "codec_name") ?? "?", Int(audio, "sample_rate"), Int(audio, "channels"))
            : null;
        // Frames spaced unevenly are found by their own times, counted from the file's start as ffmpeg's -ss counts.
        var start = format.ValueKind == JsonValueKind.Object ? Dbl(format, "start_time") : 0;
        var times = timing is { Uneven: true } t && t.Times.Length == frames ? t.Times.Select(x => x - start).ToArray() : null;
        return new MediaInfo(path, w, h, rate, frames, duration, Str(video, "codec_name") ?? "?", audioInfo)
        {
            FrameTimes = times,
            FrameCountFromPackets = counted,
        };
    }

    /// <summary>
    /// Counts video packets (demuxing only, no decoding: fast): the frame count where the container has none (mkv, webm,
    /// gif), and fewer than the container announces when the file is cut short.
    /// </summary>
    public static long CountPackets(string path) => Count(path, "-count_packets", "nb_read_packets", "count its frames");

    /// <summary>
    /// The video packets in <paramref name="info"/>'s file where they are fewer than its header announces (a file cut
    /// short), else null; also null where the count is already the packets' (<see cref="MediaInfo.FrameCountFromPackets"/>).
    /// A demuxing pass (<see cref="CountPackets"/>).
    /// </summary>
    public static long? PacketsShortOfHeader(MediaInfo info) =>
        info.FrameCountFromPackets ? null : CountPackets(info.Path) is var present && present < info.FrameCount ? present : null;

    /// <summary>Decodes every frame of the video stream to count those that decode (slow: a whole decoding pass).</summary>
    public static long CountDecodableFrames(string path) => Count(path, "-count_frames", "nb_read_frames", "decode its frames");

    private static long Count(string path, string flag, string entry, string doing)
    {
        string? first = null;
        ReadProbeLines(path, ["-select_streams", "v:0", flag, "-show_entries", "stream=" + entry, "-of", "csv=p=0"], doing, line => first ??= line);
        return long.TryParse(first?.Trim().Trim(','), out var n) ? n : 0;
    }

    /// <summary>Runs ffprobe on the file and hands its output to <paramref name="line"/> a line at a time.</summary>
    internal static void ReadProbeLines(string path, string[] args, string doing, Action<string> line)
    {
        using var p = FfmpegProcess.Start(FfmpegTools.Ffprobe, ["-v", "error", .. args, InputPath.ForFfmpeg(path)], writeStdin: false);
        using (var reader = new StreamReader(p.Stdout))
            while (reader.ReadLine() is { } text)
                if (text.Length > 0) line(text);
        if (p.Finish() != 0) throw new InvalidInputException(path, $"{path}: cannot {doing} ({p.LastError()}); the video is corrupt, re-encode it");
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
