using System.Text.RegularExpressions;

namespace Vivify.Media;

/// <summary>A directory of numbered pictures (00000.png, frame_12.jpg, …), in numeric order, as a video.</summary>
internal sealed partial class FrameFolderSource : VideoSource
{
    private readonly IReadOnlyList<string> _files;

    public FrameFolderSource(string dir, double fps) : this(dir, fps, List(dir)) { }

    private FrameFolderSource(string dir, double fps, IReadOnlyList<string> files)
        : base(Describe(dir, fps, files)) => _files = files;

    public IReadOnlyList<string> Files => _files;

    private static IReadOnlyList<string> List(string dir)
    {
        string[] all;
        try { all = Directory.GetFiles(dir); }
        catch (UnauthorizedAccessException) { throw new InvalidInputException(dir, $"{dir}: cannot list the directory (permission denied); check its permissions"); }
        var frames = all.Where(f => InputPath.IsImageFile(f) && !Path.GetFileName(f).StartsWith('.'))
            .Select(f => (File: f, Number: Number().Match(Path.GetFileNameWithoutExtension(f))))
            .Where(x => x.Number.Success)
            .OrderBy(x => x.Number.Value.Length).ThenBy(x => x.Number.Value, StringComparer.Ordinal).ThenBy(x => x.File, StringComparer.Ordinal)
            .Select(x => x.File).ToList();
        if (frames.Count == 0)
            throw new InvalidInputException(dir, $"{dir}: no numbered picture frames in this directory (expected 00000.png, 00001.png, … or .jpg); put the frames there or give a video file");
        return frames;
    }

    private static MediaInfo Describe(string dir, double fps, IReadOnlyList<string> files)
    {
        if (!(fps > 0)) throw new InvalidOptionException("fps", $"{dir}: the frame rate for a folder of frames must be positive, got {fps}");
        var first = MediaProbe.Probe(files[0]);
        return new MediaInfo(dir, first.Width, first.Height, Rational.Format(fps), files.Count, files.Count / fps, first.Codec, null);
    }

    /// <summary>
    /// One ffmpeg run over the pictures (its concat demuxer, each picture lasting one second so that
    /// timestamps increase), not one per picture. A picture of another size is scaled to the first's.
    /// </summary>
    public override IEnumerable<RgbFrame> Frames(long start = 0, long? count = null, CancellationToken cancel = default)
    {
        var end = count is long c ? Math.Min(_files.Count, start + c) : _files.Count;
        if (start >= end) yield break;
        var list = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(list, ["ffconcat version 1.0", .. _files.Skip((int)start).Take((int)(end - start)).SelectMany(f => new[] { $"file '{Path.GetFullPath(f).Replace("'", "'\\''")}'", "duration 1" })]);
            using var p = FfmpegProcess.Start(FfmpegTools.Ffmpeg,
                ["-nostdin", "-v", "error", "-xerror", "-f", "concat", "-safe", "0", "-i", InputPath.ForFfmpeg(list), "-map", "0:v:0",
                 "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"], writeStdin: false);
            int w = Info.Width, h = Info.Height;
            for (var i = start; i < end; i++)
            {
                cancel.ThrowIfCancellationRequested();
                var data = new byte[w * h * 3];
                if (ImageIO.ReadFull(p.Stdout, data) != data.Length)
                {
                    p.Finish();
                    cancel.ThrowIfCancellationRequested();
                    throw BadPicture(i, end, p.LastError());
                }
                yield return new RgbFrame(w, h, data);
            }
            if (p.Finish() != 0)
                throw new InvalidInputException(Info.Path, $"{Info.Path}: a picture could not be read ({p.LastError()}); check the frames");
        }
        finally
        {
            File.Delete(list);
        }
    }

    /// <summary>ffmpeg (-xerror) stops at or a little before the bad picture (decoder latency): decode the pictures from there on, one by one, to name it.</summary>
    private VivifyException BadPicture(long from, long end, string ffmpegError)
    {
        for (var i = from; i < end; i++)
        {
            try { ImageIO.ReadFrame(_files[(int)i]); }
            catch (VivifyException e) { return new InvalidInputException(_files[(int)i], $"{_files[(int)i]}: frame {i} of {Info.Path} cannot be read; replace or remove that picture", e); }
        }
        return new InvalidInputException(Info.Path, $"{Info.Path}: a picture could not be read ({ffmpegError}); check the frames");
    }

    [GeneratedRegex(@"(\d+)$")]
    private static partial Regex Number();
}
