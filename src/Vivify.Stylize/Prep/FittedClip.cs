using OpenCvSharp;
using Vivify.Media;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize.Prep;

/// <summary>
/// A clip brought to a working size for interactive use (a web studio): at most <c>maxSide</c> pixels on its longer side,
/// even sizes (as H.264 wants), each frame also encoded as PNG for showing; and pictures encoded as PNG in memory.
/// </summary>
public static class FittedClip
{
    /// <summary>The size that fits <paramref name="width"/>×<paramref name="height"/> into <paramref name="maxSide"/> a side, keeping the aspect, both even.</summary>
    public static (int Width, int Height) Fit(int width, int height, int maxSide)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 2);
        var scale = Math.Min(1.0, maxSide / (double)Math.Max(width, height));
        static int Even(double v) => Math.Max(2, (int)Math.Round(v) / 2 * 2);
        return (Even(width * scale), Even(height * scale));
    }

    /// <summary>The largest size within <paramref name="maxWidth"/>×<paramref name="maxHeight"/> with the aspect of <paramref name="width"/>×<paramref name="height"/> (never larger than it).</summary>
    public static (int Width, int Height) Within(long width, long height, int maxWidth, int maxHeight)
    {
        var scale = Math.Min(1.0, Math.Min(maxWidth / (double)width, maxHeight / (double)height));
        return (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }

    /// <summary>
    /// The first <paramref name="maxFrames"/> frames of <paramref name="source"/> at <see cref="Fit"/>'s size (area
    /// averaging), with each frame's PNG handed to <paramref name="onFrame"/> (frame number, bytes) as it is made.
    /// </summary>
    public static Clip Load(VideoSource source, int maxSide, long maxFrames, Action<int, byte[]>? onFrame = null, CancellationToken cancel = default)
    {
        var (width, height) = Fit(source.Info.Width, source.Info.Height, maxSide);
        var frames = new List<Tensor>();
        try
        {
            foreach (var f in source.Frames(0, maxFrames, cancel))
            {
                using var scope = NewDisposeScope();
                var bytes = f.ToByteTensor();
                if (f.Width != width || f.Height != height)
                    bytes = Geometry.Resize(bytes.to(ScalarType.Float32), height, width).round().clamp(S(0), S(255)).to(ScalarType.Byte);
                onFrame?.Invoke(frames.Count, Png(bytes));
                bytes.DetachFromDisposeScope(); // the clip owns its frames
                frames.Add(bytes);
            }
            if (frames.Count == 0) throw new InvalidInputException(source.Info.Path, $"{source.Info.Path}: has no frames; give a video with at least one frame");
            return new Clip(frames);
        }
        catch
        {
            foreach (var t in frames) t.Dispose();
            throw;
        }
    }

    /// <summary>A uint8 [3,H,W] RGB picture as PNG bytes.</summary>
    public static byte[] Png(Tensor rgb)
    {
        using var mat = CvImage.ToMat(rgb);
        using var bgr = new Mat();
        Cv2.CvtColor(mat, bgr, ColorConversionCodes.RGB2BGR);
        Cv2.ImEncode(".png", bgr, out var png, new ImageEncodingParam(ImwriteFlags.PngCompression, 1));
        return png;
    }
}
