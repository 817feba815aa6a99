using System.Collections.Concurrent;
using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Motion.Data;

/// <summary>
/// read_video of the published frames_dataset.py: a folder of frames, a video file (.mp4, .mov, .avi, .gif), or a
/// png/jpg strip of frames side by side, as uint8 [F, H, W, 3] of the configured frame shape. Decoded videos are kept
/// in memory up to a byte budget, so an epoch over a small dataset decodes each video once.
/// </summary>
public sealed class VideoReader : IDisposable
{
    private static readonly string[] VideoExtensions = [".mp4", ".mov", ".avi", ".gif", ".mkv", ".webm"];
    private readonly ConcurrentDictionary<string, Lazy<Tensor>> _cache = new();
    private readonly long _budget;
    private long _cached;

    public VideoReader(int height, int width, long cacheBytes = 2L << 30)
    {
        Height = height;
        Width = width;
        _budget = cacheBytes;
    }

    public int Height { get; }
    public int Width { get; }

    /// <summary>Whether <paramref name="path"/> is something <see cref="Read"/> takes.</summary>
    public static bool IsVideo(string path)
    {
        if (Directory.Exists(path)) return true;
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext is ".png" or ".jpg" or ".jpeg" || VideoExtensions.Contains(ext);
    }

    /// <summary>The frames as uint8 [F, H, W, 3]; the tensor belongs to this reader (do not dispose it).</summary>
    public Tensor Read(string path)
    {
        if (_cache.TryGetValue(path, out var hit)) return hit.Value;
        // Cached beyond any dispose scope of the caller.
        var video = Decode(path).DetachFromDisposeScope();
        var bytes = video.numel();
        if (Interlocked.Add(ref _cached, bytes) <= _budget)
        {
            var entry = _cache.GetOrAdd(path, _ => new Lazy<Tensor>(() => video));
            if (!ReferenceEquals(entry.Value, video)) { Interlocked.Add(ref _cached, -bytes); video.Dispose(); }
            return entry.Value;
        }
        Interlocked.Add(ref _cached, -bytes);
        _uncached.Add(video);
        return video;
    }

    // Videos beyond the budget live until the reader is disposed; with a sensible budget there are none.
    private readonly ConcurrentBag<Tensor> _uncached = new();

    private Tensor Decode(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        List<RgbFrame> frames;
        if (!Directory.Exists(path) && ext is ".png" or ".jpg" or ".jpeg")
        {
            var strip = ImageIO.ReadFrame(path);
            if (strip.Height != Height || strip.Width % Width != 0)
                throw new InvalidInputException(path, $"{path}: a {strip.Width}x{strip.Height} strip is not frames of {Width}x{Height} side by side; set dataset_params.frame_shape to the frame size");
            using var scope = NewDisposeScope();
            var t = tensor(strip.Data, [Height, strip.Width / Width, Width, 3], ScalarType.Byte);
            return t.permute(1, 0, 2, 3).contiguous().DetachFromDisposeScope();
        }
        if (!Directory.Exists(path) && !VideoExtensions.Contains(ext))
            throw new InvalidInputException(path, $"{path}: unknown video kind '{ext}'; give a folder of frames, a png/jpg strip or an .mp4/.mov/.avi/.gif");
        frames = VideoSource.Open(path).Frames().ToList();
        if (frames.Count == 0) throw new InvalidInputException(path, $"{path}: has no frames; remove it from the dataset");
        if (frames[0].Width != Width || frames[0].Height != Height)
            throw new InvalidInputException(path, $"{path}: frames are {frames[0].Width}x{frames[0].Height}, the config says {Width}x{Height}; resize the videos or set dataset_params.frame_shape");
        var data = new byte[frames.Count * Width * Height * 3];
        for (var i = 0; i < frames.Count; i++) Buffer.BlockCopy(frames[i].Data, 0, data, i * Width * Height * 3, Width * Height * 3);
        return tensor(data, [frames.Count, Height, Width, 3], ScalarType.Byte);
    }

    public void Dispose()
    {
        foreach (var v in _cache.Values) if (v.IsValueCreated) v.Value.Dispose();
        foreach (var v in _uncached) v.Dispose();
        _cache.Clear();
    }
}
