using System.Diagnostics;

namespace Vivify.TestSupport;

/// <summary>Runs Debian's /usr/bin/python3 (with python3-torch) for interop tests.</summary>
public static class Python
{
    public const string Exe = "/usr/bin/python3";

    /// <summary>Runs a script; returns stdout, or throws with stderr when it fails.</summary>
    public static string Run(string script, params string[] args)
    {
        var psi = new ProcessStartInfo(Exe) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + Exe);
        p.StandardInput.Close();
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"python3 failed ({p.ExitCode}): {stderr.Result}");
        return stdout;
    }
}
