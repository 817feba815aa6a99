using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Faces;

/// <summary>face-api's input preparation (<c>NetInput.toBatchTensor</c>) on [3,H,W] pixel tensors (values 0–255).</summary>
public static class TfImage
{
    /// <summary>
    /// face-api's <c>padToSquare</c>: zero-pads the shorter side to the longer. Centred: <c>round(diff / 2)</c>
    /// (JavaScript rounds halves up) after the picture and the rest before it; otherwise all of it after.
    /// Returns the padding before as (x, y). Returns a new tensor; the caller disposes it.
    /// </summary>
    public static Tensor PadToSquare(Tensor image, bool centred, out (long X, long Y) before)
    {
        long h = image.shape[1], w = image.shape[2];
        var diff = Math.Abs(h - w);
        var after = centred ? (diff + 1) / 2 : diff;
        var prepend = diff - after;
        before = h > w ? (prepend, 0) : (0, prepend);
        if (diff == 0) return image.alias();
        // F.pad order: [left, right, top, bottom].
        long[] pad = h > w ? [prepend, after, 0, 0] : [0, 0, prepend, after];
        return nn.functional.pad(image, pad);
    }

    /// <summary>
    /// <c>tf.image.resizeBilinear(x, [size, size], alignCorners=false, halfPixelCenters=false)</c> as the tfjs CPU
    /// backend computes it: source row <c>r * in / out</c> (no half-pixel shift), the two neighbours clamped to the
    /// picture, interpolated in double and stored as float32. [C,H,W] in, [C,size,size] float32 out.
    /// </summary>
    public static Tensor ResizeBilinear(Tensor image, long outHeight, long outWidth)
    {
        using var scope = NewDisposeScope();
        var x = image.to_type(ScalarType.Float64);
        var (r0, r1, rf) = Sources(image.shape[1], outHeight);
        var (c0, c1, cf) = Sources(image.shape[2], outWidth);
        var top = x.index_select(1, r0);
        var bottom = x.index_select(1, r1);
        var cfv = cf.view(1, 1, -1);
        var topRow = top.index_select(2, c0).add((top.index_select(2, c1) - top.index_select(2, c0)) * cfv, One);
        var bottomRow = bottom.index_select(2, c0).add((bottom.index_select(2, c1) - bottom.index_select(2, c0)) * cfv, One);
        var result = topRow.add((bottomRow - topRow) * rf.view(1, -1, 1), One);
        return result.to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// face-api's input for a face network: the crop ([3,H,W] RGB in [0,1]) as pixels 0–255, padded to a square (centred),
    /// resized to <paramref name="size"/>×<paramref name="size"/>, minus <paramref name="meanRgb"/>, divided by 255:
    /// [1,3,size,size] float32. The caller disposes it.
    /// </summary>
    public static Tensor NormalisedSquare(Tensor crop, long size, float[] meanRgb)
    {
        if (crop.dim() != 3 || crop.shape[0] != 3 || crop.shape[1] < 1 || crop.shape[2] < 1)
            throw new VivifyException($"face crop: expected an RGB picture [3,H,W], got [{string.Join(",", crop.shape)}]");
        using var scope = NewDisposeScope();
        var pixels = crop.to_type(ScalarType.Float32) * S(255f);
        var square = PadToSquare(pixels, centred: true, out _);
        var resized = square.shape[1] == size ? square : ResizeBilinear(square, size, size);
        var mean = tensor(meanRgb).view(3, 1, 1);
        return ((resized - mean) / S(255f)).unsqueeze(0).MoveToOuterDisposeScope();
    }

    private static (Tensor Floor, Tensor Ceil, Tensor Frac) Sources(long inSize, long outSize)
    {
        var ratio = (double)inSize / outSize;
        var floor = new long[outSize];
        var ceil = new long[outSize];
        var frac = new double[outSize];
        for (var i = 0; i < outSize; i++)
        {
            var src = ratio * i;
            var f = Math.Max(0, (long)Math.Floor(src));
            floor[i] = f;
            frac[i] = src - f;
            ceil[i] = Math.Min(inSize - 1, (long)Math.Ceiling(src));
        }
        return (tensor(floor), tensor(ceil), tensor(frac));
    }
}
