using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Vivify.Media;

/// <summary>
/// Hands frames to a <see cref="VideoWriter"/> on a background thread, a few frames deep, so that piping them to
/// ffmpeg (which blocks while the encoder catches up) overlaps the caller's work. Same outcome as writing directly:
/// output only at <see cref="Complete"/>, nothing left behind when disposed before it; an error of the writer is
/// rethrown by the next <see cref="Write"/> or by <see cref="Complete"/>.
/// </summary>
public sealed class BackgroundVideoWriter : IDisposable
{
    private readonly VideoWriter _writer;
    private readonly BlockingCollection<RgbFrame> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private readonly (int Width, int Height)? _size;
    private ExceptionDispatchInfo? _failure;
    private bool _disposed;

    /// <param name="size">The frames' size when known: the writer's ffmpeg starts at once, not at the first frame.</param>
    public BackgroundVideoWriter(VideoWriter writer, int capacity = 8, (int Width, int Height)? size = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _writer = writer;
        _size = size;
        _queue = new BlockingCollection<RgbFrame>(capacity);
        _pump = Task.Factory.StartNew(Pump, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Frames accepted so far.</summary>
    public long FramesWritten { get; private set; }

    private void Pump()
    {
        try
        {
            if (_size is var (w, h)) _writer.Open(w, h);
            foreach (var frame in _queue.GetConsumingEnumerable(_stop.Token)) _writer.Write(frame);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
        catch (Exception e)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
            _stop.Cancel(); // a Write waiting for room gives up and reports the failure
        }
    }

    public void Write(RgbFrame frame)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _failure?.Throw();
        try { _queue.Add(frame, _stop.Token); }
        catch (OperationCanceledException) { _failure?.Throw(); throw; }
        FramesWritten++;
    }

    /// <summary>Writes what is queued, finishes encoding and moves the output into place.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _queue.CompleteAdding();
        _pump.Wait(CancellationToken.None);
        _failure?.Throw();
        _writer.Complete();
        Dispose();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        _pump.Wait(CancellationToken.None);
        _writer.Dispose();
        _queue.Dispose();
        _stop.Dispose();
    }
}
