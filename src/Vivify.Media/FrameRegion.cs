using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Media;

/// <summary>
/// Regions of an <see cref="RgbFrame"/> without converting the whole frame: only the rows and columns a region covers
/// are copied, so a 6000×4000 picture costs no more per face than its box.
/// </summary>
public static class FrameRegion
{
    /// <summary>
    /// The box's pixels as float32 [3,Side,Side] in [0,1]. Where the box reaches outside the frame, the nearest edge
    /// pixels are repeated (a box wholly outside repeats the nearest corner or edge), so a network sees no black band.
    /// </summary>
    public static Tensor Cut(RgbFrame frame, SquareBox box)
    {
        using var scope = NewDisposeScope();
        // The rows and columns of the frame the box covers, at least one of each (clamped to the frame).
        int r0 = Math.Clamp(box.Top, 0, frame.Height - 1), r1 = Math.Clamp(box.Bottom - 1, 0, frame.Height - 1);
        int c0 = Math.Clamp(box.Left, 0, frame.Width - 1), c1 = Math.Clamp(box.Right - 1, 0, frame.Width - 1);
        var inside = Bytes(frame, new PixelRect(c0, r0, c1 - c0 + 1, r1 - r0 + 1));
        if (box.Left < c0 || box.Top < r0 || box.Right - 1 > c1 || box.Bottom - 1 > r1)
        {
            var rows = arange(S(box.Top), S(box.Bottom), One, dtype: ScalarType.Int64).clamp(S(r0), S(r1)).sub_(S(r0));
            var cols = arange(S(box.Left), S(box.Right), One, dtype: ScalarType.Int64).clamp(S(c0), S(c1)).sub_(S(c0));
            inside = inside.index_select(0, rows).index_select(1, cols);
        }
        return ToFloat(inside).MoveToOuterDisposeScope();
    }

    /// <summary>The box cut as <see cref="Cut(RgbFrame, SquareBox)"/> does, resized to <paramref name="height"/>×<paramref name="width"/> (area averaging when shrinking).</summary>
    public static Tensor Cut(RgbFrame frame, SquareBox box, int height, int width)
    {
        using var scope = NewDisposeScope();
        return Geometry.Resize(Cut(frame, box), height, width).MoveToOuterDisposeScope();
    }

    /// <summary>The rectangle's bytes as uint8 [h,w,3] (a copy).</summary>
    public static Tensor Bytes(RgbFrame frame, PixelRect rect) => Bytes(frame.Data, frame.Width, frame.Height, rect);

    /// <summary>The rectangle of an rgb24 buffer <paramref name="width"/> pixels wide as uint8 [h,w,3] (a copy).</summary>
    public static Tensor Bytes(byte[] data, int width, int height, PixelRect rect)
    {
        Check(width, height, rect);
        var rowBytes = rect.Width * 3;
        var buffer = new byte[rowBytes * rect.Height];
        for (var y = 0; y < rect.Height; y++)
            Buffer.BlockCopy(data, ((rect.Top + y) * width + rect.Left) * 3, buffer, y * rowBytes, rowBytes);
        return tensor(buffer, [rect.Height, rect.Width, 3], dtype: ScalarType.Byte);
    }

    /// <summary>Writes uint8 [h,w,3] <paramref name="bytes"/> into the rectangle of an rgb24 buffer <paramref name="width"/> pixels wide.</summary>
    public static void Put(byte[] data, int width, int height, PixelRect rect, Tensor bytes)
    {
        Check(width, height, rect);
        if (bytes.dtype != ScalarType.Byte || bytes.dim() != 3 || bytes.shape[0] != rect.Height || bytes.shape[1] != rect.Width || bytes.shape[2] != 3)
            throw new ArgumentException($"expected uint8 [{rect.Height},{rect.Width},3], got {bytes.dtype} [{string.Join(",", bytes.shape)}]", nameof(bytes));
        using var contiguous = bytes.cpu().contiguous();
        var source = contiguous.data<byte>().ToArray();
        var rowBytes = rect.Width * 3;
        for (var y = 0; y < rect.Height; y++)
            Buffer.BlockCopy(source, y * rowBytes, data, ((rect.Top + y) * width + rect.Left) * 3, rowBytes);
    }

    /// <summary>uint8 [h,w,3] → float32 [3,h,w] in [0,1].</summary>
    public static Tensor ToFloat(Tensor bytes) => bytes.permute(2, 0, 1).to(ScalarType.Float32).div_(S(255f));

    /// <summary>float [3,h,w] (values in [0,1], clamped) → uint8 [h,w,3], rounded as <see cref="RgbFrame.FromTensor"/> does.</summary>
    public static Tensor ToBytes(Tensor image) =>
        image.to(ScalarType.Float32).clamp(S(0), S(1)).mul(S(255f)).round().to(ScalarType.Byte).permute(1, 2, 0).contiguous();

    private static void Check(int width, int height, PixelRect rect)
    {
        if (rect.IsEmpty || rect.Left < 0 || rect.Top < 0 || rect.Right > width || rect.Bottom > height)
            throw new ArgumentOutOfRangeException(nameof(rect), $"region {rect} does not fit in {width}x{height}");
    }
}
