using System.Diagnostics;
using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>Runs `vivify` in-process (Cli.Run) with captured output, in a scratch directory with synthetic clips.</summary>
public sealed class CliHarness : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("vivify-cli-").FullName;

    public string PathOf(string name) => Path.Combine(Dir, name);

    public (int Code, string Out, string Err) Run(params string[] args) => Run(default, args);

    public static (int Code, string Out, string Err) Run(CancellationToken cancel, params string[] args)
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

    /// <summary>
    /// The first half, cut with `head -c`, of a clip encoded with its index first (+faststart, as Vivify writes mp4):
    /// it opens and announces all its frames, but holds only the first ones.
    /// </summary>
    public string TruncatedClip(string name, int frames)
    {
        var full = PathOf("whole-" + name);
        var seconds = (frames / 10.0).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Ffmpeg("-f", "lavfi", "-i", $"testsrc=size=64x48:rate=10:duration={seconds}", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", full);
        var cut = PathOf(name);
        using (var p = Process.Start(new ProcessStartInfo("bash", ["-c", $"head -c {new FileInfo(full).Length / 2} '{full}' > '{cut}'"]))!) p.WaitForExit();
        File.Delete(full);
        return cut;
    }

    public string Picture(string name, int w = 40, int h = 30)
    {
        var path = PathOf(name);
        Ffmpeg("-f", "lavfi", "-i", $"testsrc=size={w}x{h}:rate=1", "-frames:v", "1", path);
        return path;
    }

    /// <summary>
    /// Fails when a message names an option (--x) that the command of <paramref name="args"/> does not have: a hint
    /// must be one the user can follow with that command.
    /// </summary>
    public static void NamesOnlyItsOptions(string[] args, string message)
    {
        System.CommandLine.Command command = Cli.Build();
        var options = command.Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
        foreach (var a in args)
        {
            if (command.Subcommands.FirstOrDefault(c => c.Name == a) is not { } sub) continue;
            command = sub;
            options.UnionWith(command.Options.SelectMany(o => o.Aliases.Append(o.Name)));
        }
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(message, @"(?<![\w-])--[a-z][a-z0-9-]*"))
            Assert.True(options.Contains(m.Value), $"'{string.Join(' ', args.Take(3))}' has no {m.Value}, which its message names: {message}");
    }

    /// <summary>Names in the scratch directory, temporaries included.</summary>
    public string[] Entries() => Directory.GetFileSystemEntries(Dir).Select(p => Path.GetFileName(p)!).Order().ToArray();

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
