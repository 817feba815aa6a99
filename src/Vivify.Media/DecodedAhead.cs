namespace Vivify.Media;

/// <summary>
/// A video whose decoding from the first frame has already started, on another thread (<see cref="VideoSource.DecodeAhead"/>):
/// the first request for all frames from frame 0 takes that stream, whose first frames are then ready; any other
/// request decodes as the video itself does. Dispose it when done (it stops the early decoding if that was not used up).
/// </summary>
public sealed class DecodedAhead : VideoSource, IDisposable
{
    private readonly VideoSource _video;
    private PrefetchedItems<RgbFrame>? _ahead;
    private PrefetchedItems<RgbFrame>? _taken;

    internal DecodedAhead(VideoSource video, int capacity, CancellationToken cancel) : base(video.Info)
    {
        _video = video;
        _ahead = Prefetch.Start(video.Frames(0, null, cancel), capacity, cancel);
    }

    public override IEnumerable<RgbFrame> Frames(long start = 0, long? count = null, CancellationToken cancel = default)
    {
        if (start == 0 && count is null && Interlocked.Exchange(ref _ahead, null) is { } ahead)
        {
            _taken = ahead;
            return Taken(ahead, cancel);
        }
        return _video.Frames(start, count, cancel);
    }

    private static IEnumerable<RgbFrame> Taken(PrefetchedItems<RgbFrame> ahead, CancellationToken cancel)
    {
        using (ahead)
        {
            foreach (var frame in ahead)
            {
                cancel.ThrowIfCancellationRequested();
                yield return frame;
            }
        }
    }

    /// <summary>Stops the early decoding, taken or not (a taken stream also stops when its enumeration ends).</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _ahead, null)?.Dispose();
        Interlocked.Exchange(ref _taken, null)?.Dispose();
    }
}
