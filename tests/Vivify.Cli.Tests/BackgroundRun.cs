using System.Diagnostics;
using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>A command run on another thread, its stderr collected, to be watched and interrupted while it works.</summary>
public sealed class BackgroundRun : IDisposable
{
    private readonly StringWriter _log = new();
    private readonly TextWriter _err;
    private readonly CancellationTokenSource _cancel = new();

    public BackgroundRun(params string[] args)
    {
        _err = TextWriter.Synchronized(_log);
        Exit = Task.Run(() => Cli.Run(args, TextWriter.Null, _err, _cancel.Token));
    }

    /// <summary>The exit code, when it ends.</summary>
    public Task<int> Exit { get; }

    public string Log()
    {
        lock (_err) return _log.ToString();
    }

    /// <summary>Waits until stderr holds <paramref name="text"/>; fails if the run ends first or it takes too long.</summary>
    public async Task WaitFor(string text, double seconds = 120)
    {
        var clock = Stopwatch.StartNew();
        while (!Log().Contains(text))
        {
            Assert.False(Exit.IsCompleted, $"the run ended before '{text}': {Log()}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(seconds), $"no '{text}' after {seconds} s: {Log()}");
            await Task.Delay(50);
        }
    }

    /// <summary>Ctrl-C, as Program's signal handler gives it; returns the exit code.</summary>
    public async Task<int> Interrupt()
    {
        _cancel.Cancel();
        return await Exit;
    }

    public void Dispose() => _cancel.Dispose();
}
