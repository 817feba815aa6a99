using System.Diagnostics;
using Vivify.TestSupport;

namespace Vivify.Media.Tests;

/// <summary>A temporary directory per test, synthetic clips made with ffmpeg's lavfi sources, and the sample media.</summary>
public sealed class MediaScratch : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("vivify-media-").FullName;

    public string PathOf(string name) => Path.Combine(Dir, name);

    /// <summary>Runs ffmpeg with arguments; throws with its stderr when it fails.</summary>
    public static void Ffmpeg(params string[] args) => Vivify.TestSupport.FfmpegRunner.Run(args);

    /// <summary>A testsrc clip: <paramref name="frames"/> frames of w×h at <paramref name="fps"/>, with a sine audio track when asked.</summary>
    public string TestClip(string name, int frames, int w, int h, int fps, bool audio = false)
    {
        var path = PathOf(name);
        var seconds = (frames / (double)fps).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var args = new List<string> { "-f", "lavfi", "-i", $"testsrc=size={w}x{h}:rate={fps}:duration={seconds}" };
        if (audio) args.AddRange(["-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=44100:duration={seconds}", "-c:a", "aac"]);
        if (name.EndsWith(".mp4", StringComparison.Ordinal)) args.AddRange(["-c:v", "libx264", "-pix_fmt", "yuv420p"]);
        if (name.EndsWith(".webm", StringComparison.Ordinal)) args.AddRange(["-c:v", "libvpx-vp9", "-deadline", "realtime", "-an"]);
        args.Add(path);
        Ffmpeg([.. args]);
        return path;
    }

    /// <summary>The sample media placed by build/samples.sh (make setup).</summary>
    public static string Sample(string name)
    {
        var path = Path.Combine(Fixtures.RepoRoot, "data", "samples", name);
        if (!File.Exists(path)) throw new FileNotFoundException($"sample media {path} is missing: run `make setup` (build/samples.sh places it)");
        return path;
    }

    /// <summary>Files and directories left in the scratch directory (temporaries included).</summary>
    public string[] Entries() => Directory.GetFileSystemEntries(Dir).Select(Path.GetFileName).ToArray()!;

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
