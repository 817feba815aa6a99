using System.Diagnostics;

namespace Vivify.Cli.Tests;

/// <summary>Runs `vivify` in-process (Cli.Run) with captured output, in a scratch directory with synthetic clips.</summary>
public sealed class CliHarness : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("vivify-cli-").FullName;

    public string PathOf(string name) => Path.Combine(Dir, name);

    public (int Code, string Out, string Err) Run(params string[] args) => Run(default, args);

    public (int Code, string Out, string Err) Run(CancellationToken cancel, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Cli.Run(args, o, e, cancel);
        return (code, o.ToString(), e.ToString());
    }

    public static void Ffmpeg(params string[] args) => Vivify.TestSupport.FfmpegRunner.Run(args);

    /// <summary>testsrc video with a 440 Hz sine track (aac in mp4).</summary>
    public string ClipWithAudio(string name, int frames, int w = 64, int h = 48, int fps = 10)
    {
        var path = PathOf(name);
        var seconds = (frames / (double)fps).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Ffmpeg("-f", "lavfi", "-i", $"testsrc=size={w}x{h}:rate={fps}:duration={seconds}", "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=44100:duration={seconds}",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", path);
        return path;
    }

    public string Picture(string name, int w = 40, int h = 30)
    {
        var path = PathOf(name);
        Ffmpeg("-f", "lavfi", "-i", $"testsrc=size={w}x{h}:rate=1", "-frames:v", "1", path);
        return path;
    }

    /// <summary>Names in the scratch directory, temporaries included.</summary>
    public string[] Entries() => Directory.GetFileSystemEntries(Dir).Select(p => Path.GetFileName(p)!).Order().ToArray();

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
