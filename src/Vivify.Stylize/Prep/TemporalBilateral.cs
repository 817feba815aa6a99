using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Stylize.Prep;

/// <summary>
/// The published pre-filter (_tools/bilateralAdv, run by tool_bilateralAdv.py with range 15 and σ divisor 16): a
/// time-aware bilateral filter. Each pixel is followed along the optical flow up to <c>range</c> frames back and forth
/// (the flow sampled bilinearly at the tracked position, positions clamped to the frame); the samples are averaged
/// with weights exp(−Δt²/2σt²)·exp(−‖ΔRGB‖²/2σc²), σt = range/3 (integer division, as published), σc = √(3·255²)/divisor.
/// As published, the temporal weights index the samples as stored: the frames before are weighted in reverse order
/// (the nearest earlier frame at distance "number of earlier frames", the farthest at distance 1), the frames after
/// by their true distance; sampled colours and the result are truncated to 8 bits. Frames outside the clip are left out.
/// </summary>
public static class TemporalBilateral
{
    public const int PublishedRange = 15;
    public const int PublishedSigmaDivisor = 16;

    /// <summary>Filtered frame <paramref name="f"/> of the clip, uint8 [3,H,W].</summary>
    public static Tensor Filter(Clip clip, int f, int range = PublishedRange, int sigmaDivisor = PublishedSigmaDivisor)
    {
        if (range < 0) throw new ArgumentOutOfRangeException(nameof(range));
        using var scope = NewDisposeScope();
        long h = clip.Height, w = clip.Width;
        var center = clip[f].to(ScalarType.Float32);
        int left = Math.Min(range, f), right = Math.Min(range, clip.Count - 1 - f);
        double sigmaT = Math.Max(1, range / 3), sigmaC = Math.Sqrt(255.0 * 255.0 * 3) / sigmaDivisor;
        double TimeWeight(int idx) => Math.Exp(-Math.Pow(idx - left, 2) / (2 * sigmaT * sigmaT));

        var sum = center * TimeWeight(left);
        var weight = full(new long[] { 1, h, w }, TimeWeight(left), dtype: ScalarType.Float32);
        var grid = PixelGrid(h, w);
        void Chain(int step, int count, Func<int, int> idxOf)
        {
            var pos = grid;
            for (int d = 0; d < count; d++)
            {
                var from = f + step * d;
                var flow = step < 0 ? clip.FlowToPrevious(from) : clip.FlowToNext(from);
                pos = pos + Sample(flow.permute(2, 0, 1), pos).permute(1, 2, 0);
                var pixel = Sample(clip[from + step].to(ScalarType.Float32), pos).floor();
                var diff2 = (center - pixel).pow(2).sum(0, keepdim: true);
                var wgt = (diff2 / (-2 * sigmaC * sigmaC)).exp() * TimeWeight(idxOf(d));
                sum = sum + pixel * wgt;
                weight = weight + wgt;
            }
        }
        Chain(-1, left, d => d);               // stored nearest first, weighted from index 0 (published order)
        Chain(+1, right, d => left + 1 + d);
        var result = (sum / weight).clamp(0, 255).floor().to(ScalarType.Byte);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Pixel coordinates (x, y) as [H,W,2].</summary>
    private static Tensor PixelGrid(long h, long w)
    {
        var ys = arange(h, dtype: ScalarType.Float32).view(h, 1).expand(h, w);
        var xs = arange(w, dtype: ScalarType.Float32).view(1, w).expand(h, w);
        return stack([xs, ys], 2);
    }

    /// <summary>Bilinear sample of [C,H,W] at pixel positions [H,W,2], coordinates clamped to the image (the published sampleBilinear).</summary>
    internal static Tensor Sample(Tensor image, Tensor pos)
    {
        long h = image.shape[1], w = image.shape[2];
        var gx = pos[.., .., 0] * (2.0 / Math.Max(1, w - 1)) - 1;
        var gy = pos[.., .., 1] * (2.0 / Math.Max(1, h - 1)) - 1;
        var g = stack([gx, gy], 2).unsqueeze(0);
        return nn.functional.grid_sample(image.unsqueeze(0), g, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: true)[0];
    }
}
