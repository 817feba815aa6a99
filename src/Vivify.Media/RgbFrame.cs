using System.Runtime.InteropServices;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Media;

/// <summary>One picture as ffmpeg's rgb24: Height rows of Width pixels, 3 bytes (R, G, B) each.</summary>
public sealed class RgbFrame
{
    public RgbFrame(int width, int height, byte[] data)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"frame size {width}x{height}");
        if (data.Length != checked(width * height * 3)) throw new ArgumentException($"rgb24 {width}x{height} needs {width * height * 3} bytes, got {data.Length}", nameof(data));
        Width = width; Height = height; Data = data;
    }

    public int Width { get; }
    public int Height { get; }
    public byte[] Data { get; }

    /// <summary>float32 [3,H,W] in [0,1] on the CPU; the caller owns (disposes) it.</summary>
    public Tensor ToTensor()
    {
        using var scope = NewDisposeScope();
        return ToHwcByteTensor().permute(2, 0, 1).to(ScalarType.Float32).div_(S(255f)).MoveToOuterDisposeScope();
    }

    /// <summary>uint8 [3,H,W] (0 to 255) on the CPU, contiguous; the caller owns (disposes) it.</summary>
    public Tensor ToByteTensor()
    {
        using var scope = NewDisposeScope();
        return ToHwcByteTensor().permute(2, 0, 1).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>uint8 [H,W,3] as the rgb24 bytes lie (a copy) on the CPU: the one place a frame becomes a tensor. The caller owns it.</summary>
    public Tensor ToHwcByteTensor() => tensor(Data, new long[] { Height, Width, 3 }, dtype: ScalarType.Byte);

    /// <summary>From a [3,H,W] (or [1,3,H,W]) tensor in [0,1], any device and float type: clamped and rounded.</summary>
    public static RgbFrame FromTensor(Tensor image)
    {
        using var scope = NewDisposeScope();
        var t = image.dim() == 4 && image.shape[0] == 1 ? image[0] : image;
        if (t.dim() != 3 || t.shape[0] != 3)
            throw new ArgumentException($"expected an image tensor [3,H,W], got [{string.Join(",", image.shape)}]", nameof(image));
        int height = (int)t.shape[1], width = (int)t.shape[2];
        var planes = t.detach().to(ScalarType.Float32, CPU).contiguous();
        var data = new byte[checked(width * height * 3)];
        Interleave(MemoryMarshal.Cast<byte, float>(planes.bytes), data);
        return new RgbFrame(width, height, data);
    }

    /// <summary>
    /// Planes [3, H·W] in [0, 1] to rgb24 pixels: each value clamped to [0, 1], times 255 and rounded half to even, as
    /// torch's clamp, mul, round and uint8 conversion give (NaN gives 0). One pass here, where those tensor steps took
    /// five passes and a byte-wise transposition (3.7 ms against 0.3 ms a 256×256 frame on a 2-core EPYC).
    /// </summary>
    private static void Interleave(ReadOnlySpan<float> planes, Span<byte> rgb)
    {
        var pixels = rgb.Length / 3;
        for (var c = 0; c < 3; c++)
        {
            var plane = planes.Slice(c * pixels, pixels);
            for (int i = 0, j = c; i < plane.Length; i++, j += 3)
            {
                var v = plane[i];
                rgb[j] = v >= 1f ? (byte)255 : v > 0f ? (byte)MathF.Round(v * 255f) : (byte)0;
            }
        }
    }
}
