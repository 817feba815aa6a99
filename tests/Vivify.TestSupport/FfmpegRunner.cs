using System.Diagnostics;

namespace Vivify.TestSupport;

/// <summary>Runs Debian's ffmpeg for test media (quiet, overwriting) and ffprobe; throws with its stderr when it fails.</summary>
public static class FfmpegRunner
{
    public static void Run(params string[] args) => Exec("ffmpeg", ["-nostdin", "-y", "-v", "error", .. args]);

    /// <summary>ffprobe's standard output.</summary>
    public static string Probe(params string[] args) => Exec("ffprobe", args);

    private static string Exec(string exe, string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} failed: " + err.Result);
        return output;
    }
}
