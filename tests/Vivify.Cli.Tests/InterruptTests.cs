using System.Globalization;
using System.Diagnostics;
using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>Ctrl-C stops cleanly: exit 130 and no output, not even a temporary.</summary>
public class InterruptTests
{
    [Fact]
    public async Task CancelledRunLeavesNoOutput()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("long.mp4", 400, 320, 240, 25);
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() => CliHarness.Run(cts.Token, "media", "compose", clip, clip, "-o", h.PathOf("out.mp4")));
        WaitForTemporary(h, run);
        cts.Cancel();
        var (code, _, e) = await run;
        Assert.Equal(130, code);
        Assert.Contains("interrupted", e);
        Assert.DoesNotContain("--resume", e); // compose has nothing to resume
        Assert.Equal(["long.mp4"], h.Entries());
    }

    [Fact]
    public async Task SigintToTheProcessExits130WithoutOutput()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("long.mp4", 400, 320, 240, 25);
        var dll = Path.Combine(AppContext.BaseDirectory, "vivify.dll");
        // Started as from a terminal, with SIGINT at its default: a test run started as a background job of a script
        // (`make test &`) inherits SIGINT ignored, as such jobs do, and vivify rightly keeps it so (the signal then
        // changed nothing: exit 0). env resets it and execs dotnet, keeping the process id the signal is sent to.
        var psi = new ProcessStartInfo("env") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", dll, "media", "convert", clip, "-o", h.PathOf("frames") }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        WaitForTemporary(h, p.WaitForExitAsync());
        using (var kill = Process.Start("kill", ["-INT", p.Id.ToString(CultureInfo.InvariantCulture)])) kill.WaitForExit();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(timeout.Token);
        var err = await stderr;
        Assert.True(p.ExitCode == 130, $"exit {p.ExitCode}: {err}");
        Assert.Contains("interrupted", err);
        Assert.Equal(["long.mp4"], h.Entries());
    }

    /// <summary>Waits until the writer's temporary exists beside the target, i.e. the work is under way.</summary>
    private static void WaitForTemporary(CliHarness h, Task run)
    {
        var clock = Stopwatch.StartNew();
        while (!h.Entries().Any(n => n.Contains(".vivify-tmp-")))
        {
            Assert.False(run.IsCompleted, "the run ended before it could be interrupted");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "no temporary output appeared");
            Thread.Sleep(20);
        }
        Thread.Sleep(300);
    }
}
