using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize.Prep;

/// <summary>
/// The published pre-filter (_tools/bilateralAdv, run by tool_bilateralAdv.py with range 15 and σ divisor 16): a
/// time-aware bilateral filter. Each pixel is followed along the optical flow up to <c>range</c> frames back and forth
/// (the flow sampled bilinearly at the tracked position as the published sampleBilinear does); the samples are averaged
/// with weights exp(−Δt²/2σt²)·exp(−‖ΔRGB‖²/2σc²), σt = range/3 (integer division, as published), σc = √(3·255²)/divisor.
/// As published, the temporal weights index the samples as stored: the frames before are weighted in reverse order
/// (the nearest earlier frame at distance "number of earlier frames", the farthest at distance 1), the frames after
/// by their true distance; sampled colours and the result are truncated to 8 bits (a sampled colour extrapolated
/// beyond 0…255 near the border is clamped first, where the published conversion to 8 bits is undefined). Frames outside the clip are left out.
/// </summary>
public static class TemporalBilateral
{
    public const int PublishedRange = 15;
    public const int PublishedSigmaDivisor = 16;

    /// <summary>Filtered frame <paramref name="f"/> of the clip, uint8 [3,H,W].</summary>
    public static Tensor Filter(Clip clip, int f, int range = PublishedRange, int sigmaDivisor = PublishedSigmaDivisor)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(range);
        using var scope = NewDisposeScope();
        long h = clip.Height, w = clip.Width;
        var center = clip[f].to(ScalarType.Float32);
        int left = Math.Min(range, f), right = Math.Min(range, clip.Count - 1 - f);
        double sigmaT = Math.Max(1, range / 3), sigmaC = Math.Sqrt(255.0 * 255.0 * 3) / sigmaDivisor;
        double TimeWeight(int idx) => Math.Exp(-Math.Pow(idx - left, 2) / (2 * sigmaT * sigmaT));

        var sum = center * S(TimeWeight(left));
        var weight = full(new long[] { 1, h, w }, S(TimeWeight(left)), dtype: ScalarType.Float32);
        var grid = PixelGrid(h, w);
        void Chain(int step, int count, Func<int, int> idxOf)
        {
            var pos = grid;
            for (int d = 0; d < count; d++)
            {
                var from = f + step * d;
                var flow = step < 0 ? clip.FlowToPrevious(from) : clip.FlowToNext(from);
                pos = pos.add(Sample(flow.permute(2, 0, 1), pos).permute(1, 2, 0), One);
                var pixel = Sample(clip[from + step].to(ScalarType.Float32), pos).clamp(S(0), S(255)).floor();
                var diff2 = (center - pixel).pow(S(2)).sum(0, keepdim: true);
                var wgt = (diff2 / S(-2 * sigmaC * sigmaC)).exp() * S(TimeWeight(idxOf(d)));
                sum = sum.add(pixel * wgt, One);
                weight = weight.add(wgt, One);
            }
        }
        Chain(-1, left, d => d);               // stored nearest first, weighted from index 0 (published order)
        Chain(+1, right, d => left + 1 + d);
        var result = (sum / weight).clamp(S(0), S(255)).floor().to(ScalarType.Byte);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Pixel coordinates (x, y) as [H,W,2].</summary>
    private static Tensor PixelGrid(long h, long w)
    {
        var ys = arange(S(0), S(h), One, dtype: ScalarType.Float32).view(h, 1).expand(h, w);
        var xs = arange(S(0), S(w), One, dtype: ScalarType.Float32).view(1, w).expand(h, w);
        return stack([xs, ys], 2);
    }

    /// <summary>
    /// Bilinear sample of [C,H,W] at pixel positions [H,W,2] as the published sampleBilinear: integer part by
    /// truncation toward zero, the four neighbours' indices clamped to the image (so positions in (−1, 0)
    /// extrapolate from the first two pixels, as there).
    /// </summary>
    internal static Tensor Sample(Tensor image, Tensor pos)
    {
        using var scope = NewDisposeScope();
        long c = image.shape[0], h = image.shape[1], w = image.shape[2];
        var x = pos[.., .., 0].flatten();
        var y = pos[.., .., 1].flatten();
        var ix = x.trunc();
        var iy = y.trunc();
        var s = (x - ix).unsqueeze(0);
        var t = (y - iy).unsqueeze(0);
        var flat = image.reshape(c, h * w);
        Tensor At(Tensor xx, Tensor yy) =>
            flat.index_select(1, (yy.clamp(S(0), S(h - 1)) * S(w)).add(xx.clamp(S(0), S(w - 1)), One).to(ScalarType.Int64));
        var ix1 = ix.add(S(1), One);
        var iy1 = iy.add(S(1), One);
        var r = (rsub(s, One) * rsub(t, One) * At(ix, iy)).add(s * rsub(t, One) * At(ix1, iy), One).add(rsub(s, One) * t * At(ix, iy1), One).add(s * t * At(ix1, iy1), One);
        return r.view(c, pos.shape[0], pos.shape[1]).MoveToOuterDisposeScope();
    }
}
