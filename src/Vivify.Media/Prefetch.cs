using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Vivify.Media;

/// <summary>
/// Runs an enumeration (decoding frames, typically) on a background thread up to a few items ahead of the
/// consumer, so that producing the next items overlaps the consumer's work on the current ones.
/// </summary>
public static class Prefetch
{
    /// <summary>
    /// The items of <paramref name="source"/> in order, produced at most <paramref name="capacity"/> ahead. An
    /// exception of the producer is rethrown to the consumer at the item where it happened; stopping the
    /// enumeration early (or <paramref name="cancel"/>) stops and disposes the producer. The producer must not
    /// depend on the consumer's thread (e.g. create tensors inside the consumer's dispose scopes).
    /// The producer starts at the first item asked for (<see cref="Start"/> starts it at once).
    /// </summary>
    public static IEnumerable<T> Ahead<T>(IEnumerable<T> source, int capacity, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        return Lazily(source, capacity, cancel);
    }

    private static IEnumerable<T> Lazily<T>(IEnumerable<T> source, int capacity, CancellationToken cancel)
    {
        using var stream = Start(source, capacity, cancel);
        foreach (var item in stream) yield return item;
    }

    /// <summary>
    /// <see cref="Ahead"/>, with the producer started now: its first items are ready when the consumer comes to them
    /// (start decoding while something else, e.g. a model, loads). The stream can be enumerated once; dispose it to
    /// stop the producer, whether it was enumerated or not.
    /// </summary>
    public static PrefetchedItems<T> Start<T>(IEnumerable<T> source, int capacity, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        return new PrefetchedItems<T>(source, capacity, cancel);
    }
}

/// <summary>Items produced ahead on a background thread (<see cref="Prefetch.Start"/>): one enumeration; dispose to stop the producer.</summary>
public sealed class PrefetchedItems<T> : IEnumerable<T>, IDisposable
{
    private readonly CancellationToken _cancel;
    private readonly CancellationTokenSource _stop;
    private readonly BlockingCollection<T> _queue;
    private readonly Task _producer;
    private ExceptionDispatchInfo? _failure;
    private int _enumerated;
    private bool _disposed;

    internal PrefetchedItems(IEnumerable<T> source, int capacity, CancellationToken cancel)
    {
        _cancel = cancel;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        _queue = new BlockingCollection<T>(capacity);
        _producer = Task.Factory.StartNew(() =>
        {
            try
            {
                foreach (var item in source)
                    _queue.Add(item, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
            catch (Exception e) { _failure = ExceptionDispatchInfo.Capture(e); }
            finally { _queue.CompleteAdding(); }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public IEnumerator<T> GetEnumerator()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _enumerated, 1) != 0) throw new InvalidOperationException("a prefetched stream can be enumerated once");
        return Items();
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    private IEnumerator<T> Items()
    {
        try
        {
            while (_queue.TryTake(out var item, Timeout.Infinite, _cancel)) yield return item;
            _producer.Wait(CancellationToken.None);
            _failure?.Throw();
            _cancel.ThrowIfCancellationRequested();
        }
        finally { Stop(); }
    }

    /// <summary>Stops the producer and waits for it (its enumerator, e.g. an ffmpeg process, is disposed before this returns).</summary>
    private void Stop()
    {
        if (!_stop.IsCancellationRequested) _stop.Cancel();
        _producer.Wait(CancellationToken.None);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Stop();
        _queue.Dispose();
        _stop.Dispose();
    }
}
