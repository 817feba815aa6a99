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
        catch (UnauthorizedAccessException) { throw new VivifyException($"{dir}: cannot list the directory (permission denied); check its permissions"); }
        var frames = all.Where(f => InputPath.IsImageFile(f) && !Path.GetFileName(f).StartsWith('.'))
            .Select(f => (File: f, Number: Number().Match(Path.GetFileNameWithoutExtension(f))))
            .Where(x => x.Number.Success)
            .OrderBy(x => x.Number.Value.Length).ThenBy(x => x.Number.Value, StringComparer.Ordinal).ThenBy(x => x.File, StringComparer.Ordinal)
            .Select(x => x.File).ToList();
        if (frames.Count == 0)
            throw new VivifyException($"{dir}: no numbered picture frames in this directory (expected 00000.png, 00001.png, … or .jpg); put the frames there or give a video file");
        return frames;
    }

    private static MediaInfo Describe(string dir, double fps, IReadOnlyList<string> files)
    {
        if (!(fps > 0)) throw new UsageException($"{dir}: the frame rate for a folder of frames must be positive, got {fps}");
        var first = MediaProbe.Probe(files[0]);
        return new MediaInfo(dir, first.Width, first.Height, Rational.Format(fps), files.Count, files.Count / fps, first.Codec, null);
    }

    public override IEnumerable<RgbFrame> Frames(long start = 0, long? count = null, CancellationToken cancel = default)
    {
        var end = count is long c ? Math.Min(_files.Count, start + c) : _files.Count;
        for (var i = start; i < end; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var f = ImageIO.ReadFrame(_files[(int)i]);
            if (f.Width != Info.Width || f.Height != Info.Height)
                throw new VivifyException($"{_files[(int)i]}: is {f.Width}x{f.Height} but the first frame is {Info.Width}x{Info.Height}; all frames in {Info.Path} must share one size");
            yield return f;
        }
    }

    [GeneratedRegex(@"(\d+)$")]
    private static partial Regex Number();
}
