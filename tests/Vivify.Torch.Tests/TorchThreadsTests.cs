using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests;

/// <summary>
/// <see cref="TorchThreads"/>: which OpenMP worker threads libtorch starts, counted by name (a worker takes the name of
/// the thread whose parallel region started it). Run alone: they count the process's threads.
/// </summary>
[Collection(ProcessMeasurementCollection.Name)]
public class TorchThreadsTests
{
    /// <summary>Threads of this process named <paramref name="name"/> (Linux truncates names to 15 bytes).</summary>
    private static int ThreadsNamed(string name) =>
        Directory.EnumerateDirectories("/proc/self/task").Count(t =>
        {
            try { return File.ReadAllText(Path.Combine(t, "comm")).TrimEnd('\n') == name; }
            catch (IOException) { return false; } // the thread ended meanwhile
        });

    /// <summary>An operation large enough for libtorch to run it in a parallel region.</summary>
    private static void LargeOperation()
    {
        using var scope = NewDisposeScope();
        var x = ones(4_000_000);
        (x * 2 + 1).sum().item<float>();
    }

    /// <summary>Runs <paramref name="work"/> on a new thread named <paramref name="name"/> and returns what it returned.</summary>
    private static T OnThread<T>(string name, Func<T> work)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { result = work(); }
            catch (Exception e) { failure = e; }
        })
        { Name = name };
        thread.Start();
        thread.Join();
        if (failure is not null) throw new InvalidOperationException("the thread failed", failure);
        return result;
    }

    [Fact]
    public void OneThreadHereComputesOnTheCallingThreadAloneAndRestoresItsCount()
    {
        var counts = OnThread("vv-one-count", () =>
        {
            var before = get_num_threads();
            int inside;
            using (TorchThreads.OneThreadHere()) inside = get_num_threads();
            return (before, inside, after: get_num_threads());
        });
        Assert.Equal(1, counts.inside);
        Assert.Equal(counts.before, counts.after);
        Assert.Equal(get_num_threads(), counts.before); // another thread's count is its own
    }

    [Fact]
    public void AThreadUnderOneThreadHereStartsNoOpenMpWorkersWhereAPlainOneDoes()
    {
        if (get_num_threads() < 2) return; // one CPU: libtorch starts no workers anyway
        var plain = OnThread("vv-plain", () =>
        {
            LargeOperation();
            return ThreadsNamed("vv-plain");
        });
        var helper = OnThread("vv-helper", () =>
        {
            using (TorchThreads.OneThreadHere()) LargeOperation();
            return ThreadsNamed("vv-helper");
        });
        Assert.True(plain > 1, $"the control thread started no OpenMP worker ({plain} threads of its name): the operation is too small to show anything");
        Assert.Equal(1, helper); // the thread itself, no worker
    }

    [Fact]
    public async Task OnOwnThreadEndsItsOpenMpWorkersWithTheWork()
    {
        if (get_num_threads() < 2) return;
        var during = await TorchThreads.OnOwnThread(() =>
        {
            LargeOperation();
            return ThreadsNamed("vv-own");
        }, "vv-own");
        Assert.True(during > 1, $"the work's thread started no OpenMP worker ({during} threads of its name)");
        // The workers are told to end when their thread does; give them a moment.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (ThreadsNamed("vv-own") > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, ThreadsNamed("vv-own"));
    }

    [Fact]
    public async Task OnOwnThreadGivesTheResultOrTheException()
    {
        Assert.Equal(42, await TorchThreads.OnOwnThread(() => 42, "vv-result"));
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => TorchThreads.OnOwnThread(() => throw new InvalidDataException("bad"), "vv-throw"));
        Assert.Equal("bad", e.Message);
    }

    [Fact]
    public void TheScopeIsDisposedOnTheThreadThatMadeIt()
    {
        if (get_num_threads() < 2) return; // one CPU: the scope changes nothing and checks nothing
        var scope = TorchThreads.OneThreadHere();
        var e = OnThread("vv-other", () => Record.Exception(scope.Dispose));
        Assert.IsType<InvalidOperationException>(e);
        scope.Dispose();
        Assert.True(get_num_threads() > 1);
    }
}
