using System.Globalization;

namespace Vivify.Media;

/// <summary>A video file decoded by one ffmpeg process per pass into rgb24 frames on a pipe.</summary>
internal sealed class VideoFileSource : VideoSource
{
    public VideoFileSource(string path) : base(ProbeVideo(path)) { }

    private static MediaInfo ProbeVideo(string path)
    {
        InputPath.RequireReadableFile(path, "a video");
        return MediaProbe.Probe(path);
    }

    /// <summary>
    /// Where to seek for frame <paramref name="start"/>: half a frame before it. ffmpeg's accurate input seek drops the
    /// frames before that time, so frame `start` is the first kept. Frames spaced unevenly: halfway between that
    /// frame's own time and the one before.
    /// </summary>
    private double SeekTime(long start)
    {
        if (Info.FrameTimes is { } times)
            return start < times.Length ? (times[start - 1] + times[start]) / 2 : times[^1] + 1;
        return (start - 0.5) / Info.Fps;
    }

    public override IEnumerable<RgbFrame> Frames(long start = 0, long? count = null, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        if (count is <= 0) yield break;
        var args = new List<string> { "-nostdin", "-v", "error" };
        if (start > 0) args.AddRange(["-ss", SeekTime(start).ToString("0.######", CultureInfo.InvariantCulture)]);
        args.AddRange(["-i", InputPath.ForFfmpeg(Info.Path), "-map", "0:v:0", "-an", "-sn", "-fps_mode", "passthrough"]);
        if (count is long c) args.AddRange(["-frames:v", c.ToString(CultureInfo.InvariantCulture)]);
        args.AddRange(["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);
        using var p = FfmpegProcess.Start(FfmpegTools.Ffmpeg, args, writeStdin: false);
        int w = Info.Width, h = Info.Height;
        long produced = 0;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            var data = new byte[w * h * 3];
            var got = ImageIO.ReadFull(p.Stdout, data);
            if (got == 0) break;
            if (got != data.Length)
            {
                cancel.ThrowIfCancellationRequested();
                throw new InvalidInputException(Info.Path, $"{Info.Path}: the video is corrupt (frame {start + produced} is cut short: {p.LastError()}); re-encode it or pick another file");
            }
            produced++;
            yield return new RgbFrame(w, h, data);
        }
        var code = p.Finish();
        cancel.ThrowIfCancellationRequested();
        if (code != 0)
            throw new InvalidInputException(Info.Path, $"{Info.Path}: the video is corrupt or unreadable after {produced} frames ({p.LastError()}); re-encode it or pick another file");
        if (produced == 0 && start == 0)
            throw new InvalidInputException(Info.Path, $"{Info.Path}: no frame could be decoded; the video is corrupt, re-encode it or pick another file");
        // The stream ended early and ffmpeg said why (e.g. "partial file"), or the file holds fewer packets than its header
        // announces (a cut avi ends without a word from ffmpeg): the frames read are used, and that is said.
        if (start + produced < Info.FrameCount && (count is null || produced < count) && (p.LastError().Length > 0 || FewerPacketsThanAnnounced()))
            MediaWarnings.Warn($"{Info.Path}: the video is truncated or damaged: {start + produced} frames could be read of the {Info.FrameCount} its container announces; only those are used");
    }

    /// <summary>
    /// Whether the file holds fewer video packets than the count its header announces (only after a short read): a count
    /// ffprobe cannot make (none, or an error) says nothing.
    /// </summary>
    private bool FewerPacketsThanAnnounced()
    {
        try { return MediaProbe.PacketsShortOfHeader(Info) is > 0; }
        catch (VivifyException) { return false; }
    }
}
