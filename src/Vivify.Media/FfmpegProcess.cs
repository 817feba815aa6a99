using System.Diagnostics;
using System.Text;

namespace Vivify.Media;

/// <summary>
/// One ffmpeg/ffprobe run with its pipes: stdin and stdout as raw streams, stderr drained in the
/// background (its last lines kept for error messages). Disposing kills a run still going.
/// </summary>
internal sealed class FfmpegProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task _stderrPump;
    private readonly StringBuilder _stderr = new();

    private FfmpegProcess(Process p)
    {
        _process = p;
        _stderrPump = Task.Run(() =>
        {
            string? line;
            while ((line = p.StandardError.ReadLine()) is not null)
                lock (_stderr)
                {
                    _stderr.AppendLine(line);
                    if (_stderr.Length > 16384) _stderr.Remove(0, _stderr.Length - 8192);
                }
        });
    }

    public static FfmpegProcess Start(string exe, IEnumerable<string> args, bool writeStdin)
    {
        var psi = new ProcessStartInfo(exe)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new MissingDependencyException(exe, $"cannot start {exe}: {FfmpegTools.InstallHint}");
        if (!writeStdin) p.StandardInput.Close();
        return new FfmpegProcess(p);
    }

    public Stream Stdin => _process.StandardInput.BaseStream;
    public Stream Stdout => _process.StandardOutput.BaseStream;

    /// <summary>Closes stdin (if still open), waits for the exit, returns the exit code.</summary>
    public int Finish()
    {
        try { _process.StandardInput.Close(); } catch (IOException) { }
        _process.WaitForExit();
        _stderrPump.Wait();
        return _process.ExitCode;
    }

    /// <summary>The last meaningful line ffmpeg wrote to stderr, for one-line messages.</summary>
    public string LastError()
    {
        string text;
        lock (_stderr) text = _stderr.ToString();
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.Length > 0) ?? "";
        return line.Length > 200 ? line[..200] : line;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException) { }
        try { _stderrPump.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _process.Dispose();
    }

    /// <summary>Runs to completion and returns stdout as text, or throws with ffmpeg's last error line.</summary>
    public static string RunText(string exe, IEnumerable<string> args, Func<string, string> describeFailure)
    {
        using var p = Start(exe, args, writeStdin: false);
        var output = p._process.StandardOutput.ReadToEnd();
        var code = p.Finish();
        if (code != 0) throw new VivifyException(describeFailure(p.LastError()));
        return output;
    }
}
