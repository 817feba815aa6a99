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
    /// </summary>
    public static IEnumerable<T> Ahead<T>(IEnumerable<T> source, int capacity, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var queue = new BlockingCollection<T>(capacity);
        ExceptionDispatchInfo? failure = null;
        var producer = Task.Factory.StartNew(() =>
        {
            try
            {
                foreach (var item in source)
                    queue.Add(item, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
            finally { queue.CompleteAdding(); }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            while (queue.TryTake(out var item, Timeout.Infinite, cancel)) yield return item;
            producer.Wait(CancellationToken.None);
            failure?.Throw();
            cancel.ThrowIfCancellationRequested();
        }
        finally
        {
            stop.Cancel();
            producer.Wait(CancellationToken.None); // the producer's enumerator is disposed (ffmpeg stopped) before we return
        }
    }
}
