using Vivify.Server.Animate;

namespace Vivify.Server.Tests;

/// <summary>
/// A runner that holds each job until the test lets it go (or it is cancelled), for the queue's mechanics: one job at a
/// time, positions, 429, cancel, shutdown. A released job's "result" is a copy of its driving upload. Disposed after
/// the server that runs it: declared before the harness (<c>using var gate = new GateRunner(); await using var h = …</c>).
/// </summary>
internal sealed class GateRunner : IAnimateRunner, IDisposable
{
    private readonly SemaphoreSlim _started = new(0);
    private readonly SemaphoreSlim _release = new(0);
    private int _running, _maxRunning, _cancelled;

    public int MaxRunning => Volatile.Read(ref _maxRunning);
    public int Cancelled => Volatile.Read(ref _cancelled);
    public List<AnimateWork> Seen { get; } = [];

    public void Run(AnimateWork work, Action<double> progress, CancellationToken cancel)
    {
        var now = Interlocked.Increment(ref _running);
        lock (Seen) Seen.Add(work);
        try
        {
            int max;
            while (now > (max = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, now, max) != max) { }
            progress(0.5);
            _started.Release();
            try { _release.Wait(cancel); }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _cancelled);
                throw;
            }
            File.Copy(work.Driving, work.Output);
        }
        finally { Interlocked.Decrement(ref _running); }
    }

    public async Task WaitStarted(int seconds = 30)
    {
        if (!await _started.WaitAsync(TimeSpan.FromSeconds(seconds))) throw new TimeoutException("no job started");
    }

    public void Release(int count = 1) => _release.Release(count);

    public void Dispose()
    {
        _started.Dispose();
        _release.Dispose();
    }
}
