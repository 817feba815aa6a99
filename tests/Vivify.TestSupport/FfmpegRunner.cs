using System.Diagnostics;

namespace Vivify.TestSupport;

/// <summary>Runs Debian's ffmpeg for test media (quiet, overwriting); throws with its stderr when it fails.</summary>
public static class FfmpegRunner
{
    public static void Run(params string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostdin", "-y", "-v", "error" }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("ffmpeg failed: " + err);
    }
}
