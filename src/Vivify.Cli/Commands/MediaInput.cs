using Vivify.Media;

namespace Vivify.Cli.Commands;

/// <summary>A command's input: a still picture (the same frame forever), a video file, or a directory of frames.</summary>
internal sealed class MediaInput
{
    private MediaInput(string path, RgbFrame? still, VideoSource? video)
    {
        Path = path; Still = still; Video = video;
    }

    public string Path { get; }
    public RgbFrame? Still { get; }
    public VideoSource? Video { get; }
    public bool HasAudio => Video?.Info.Audio is not null;

    public static MediaInput Open(string path, double folderFps)
    {
        if (!Directory.Exists(path) && InputPath.IsStill(path)) return new MediaInput(path, ImageIO.ReadFrame(path), null);
        return new MediaInput(path, null, VideoSource.Open(path, folderFps));
    }

    /// <summary>Frames from <paramref name="start"/> on; a still picture repeats without end.</summary>
    public IEnumerable<RgbFrame> Frames(long start, CancellationToken cancel)
    {
        if (Video is not null) return Video.Frames(start, null, cancel);
        return Repeat(Still!);
    }

    private static IEnumerable<RgbFrame> Repeat(RgbFrame f)
    {
        while (true) yield return f;
    }

    /// <summary>Parses "WxH" (e.g. 256x256) for --size.</summary>
    public static (int W, int H) ParseSize(string text)
    {
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], out var w) && int.TryParse(parts[1], out var h) && w > 0 && h > 0 && w <= 16384 && h <= 16384)
            return (w, h);
        throw new UsageException($"--size '{text}' is not WIDTHxHEIGHT, e.g. 256x256");
    }
}
