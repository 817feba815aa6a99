using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace Vivify.Media;

/// <summary>
/// A video (mp4, avi, mov, mkv, webm, gif, …) or a folder of numbered pictures, read as a stream of
/// frames: one frame in memory at a time, from any start frame (seek) or time.
/// </summary>
public abstract class VideoSource
{
    protected VideoSource(MediaInfo info) => Info = info;

    public MediaInfo Info { get; }

    /// <summary>Opens a video file, or a directory of numbered pictures (played at <paramref name="folderFps"/>).</summary>
    public static VideoSource Open(string path, double folderFps = 25)
    {
        if (Directory.Exists(path)) return new FrameFolderSource(path, folderFps);
        return new VideoFileSource(path);
    }

    /// <summary>
    /// Starts decoding from the first frame now, on another thread, up to <paramref name="capacity"/> frames ahead, so that
    /// the first frames are ready when they are asked for (start it before loading a model). The returned video gives
    /// that stream to the first request for all frames from frame 0; dispose it to stop decoding if it is not taken.
    /// </summary>
    public DecodedAhead DecodeAhead(int capacity = 8, CancellationToken cancel = default) => new(this, capacity, cancel);

    /// <summary>Frames start, start+1, … (count of them, or to the end). Stop enumerating to stop decoding.</summary>
    public abstract IEnumerable<RgbFrame> Frames(long start = 0, long? count = null, CancellationToken cancel = default);

    /// <summary>Frames from the one shown at <paramref name="time"/> on.</summary>
    public IEnumerable<RgbFrame> FramesFrom(TimeSpan time, long? count = null, CancellationToken cancel = default) =>
        Frames(FrameAt(time), count, cancel);

    /// <summary>The index of the frame shown at a time from the first frame (by the frames' own times where they are spaced unevenly).</summary>
    public long FrameAt(TimeSpan time)
    {
        if (Info.FrameTimes is not { Length: > 0 } times) return Math.Max(0, (long)Math.Floor(time.TotalSeconds * Info.Fps + 1e-6));
        if (time.TotalSeconds >= times[^1] - times[0] + 1 / Info.Fps) return times.Length; // after the last frame's time on screen
        var i = Array.BinarySearch(times, times[0] + time.TotalSeconds + 1e-6);
        return Math.Max(0, i >= 0 ? i : ~i - 1); // the last frame whose time has come
    }

    /// <summary>One frame by index (decodes from the nearest key frame before it).</summary>
    public RgbFrame ReadFrame(long index) =>
        Frames(index, 1).FirstOrDefault() ?? throw new InvalidInputException(Info.Path, $"{Info.Path}: has no frame {index} (it has {Info.FrameCount}); choose an earlier frame");

    /// <summary>Frames as float32 [3,H,W] tensors in [0,1]; each is the caller's to dispose (use a dispose scope per frame).</summary>
    public IEnumerable<Tensor> Tensors(long start = 0, long? count = null, CancellationToken cancel = default)
    {
        foreach (var f in Frames(start, count, cancel)) yield return f.ToTensor();
    }

    /// <summary>The same stream for `await foreach`; decoding runs on the caller's thread between awaits.</summary>
    public async IAsyncEnumerable<RgbFrame> FramesAsync(long start = 0, long? count = null, [EnumeratorCancellation] CancellationToken cancel = default)
    {
        foreach (var f in Frames(start, count, cancel))
        {
            yield return f;
            await Task.Yield();
        }
    }
}
