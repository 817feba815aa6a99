using Vivify.Stylize.Prep;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Stylize.Tests;

/// <summary>
/// The vectorised time-aware bilateral filter against a per-pixel transcription of the published bilateralAdv
/// loop (its findPixel chains, its sampleBilinear with truncated indices and clamping, its kernel order and
/// 8-bit truncation), on the same clip and flows.
/// </summary>
public sealed class TemporalBilateralReferenceTests
{
    [Fact]
    public void MatchesAPerPixelTranscriptionOfThePublishedLoop()
    {
        manual_seed(5);
        const int h = 20, w = 24, range = 3;
        var frames = Enumerable.Range(0, 6).Select(i =>
        {
            var ys = arange(h, dtype: ScalarType.Float32).view(h, 1).expand(h, w);
            var xs = (arange(w, dtype: ScalarType.Float32) - 1.5f * i).view(1, w).expand(h, w);
            var img = stack([((xs * 0.4).sin() + 1) * 110, ((ys * 0.3 + xs * 0.1).cos() + 1) * 100, ys * 10]);
            return (img + randn(3, h, w) * 10).clamp(0, 255).to(ScalarType.Byte);
        }).ToList();
        using var clip = new Clip(frames);
        const int f = 2;
        using var fast = TemporalBilateral.Filter(clip, f, range, 16);

        float[][] img = frames.Select(t => t.to(ScalarType.Float32).contiguous().data<float>().ToArray()).ToArray();
        float[] Flow(Tensor t) => t.contiguous().data<float>().ToArray();
        float[] Sample(float[] data, int channels, bool chw, float x, float y, int c)
        {
            int ix = (int)x, iy = (int)y;             // published: truncation, then clamping
            float s = x - ix, t = y - iy;
            float At(int xx, int yy)
            {
                xx = Math.Clamp(xx, 0, w - 1); yy = Math.Clamp(yy, 0, h - 1);
                return chw ? data[(c * h + yy) * w + xx] : data[(yy * w + xx) * channels + c];
            }
            return [(1 - s) * (1 - t) * At(ix, iy) + s * (1 - t) * At(ix + 1, iy) + (1 - s) * t * At(ix, iy + 1) + s * t * At(ix + 1, iy + 1)];
        }
        int left = Math.Min(range, f), right = Math.Min(range, clip.Count - 1 - f);
        double sigmaT = range / 3, sigmaC = Math.Sqrt(255.0 * 255.0 * 3) / 16;
        var expected = new byte[3 * h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var centre = new float[3];
                for (int c = 0; c < 3; c++) centre[c] = img[f][(c * h + y) * w + x];
                var samples = new List<float[]>();
                foreach (var (step, count) in new[] { (-1, left), (+1, right) })
                {
                    float px = x, py = y;
                    for (int d = 0; d < count; d++)
                    {
                        var from = f + step * d;
                        var flow = Flow(step < 0 ? clip.FlowToPrevious(from) : clip.FlowToNext(from));
                        float u = Sample(flow, 2, false, px, py, 0)[0], v = Sample(flow, 2, false, px, py, 1)[0];
                        px += u; py += v;
                        // Colours extrapolated beyond 0…255 at the border are clamped before the 8-bit truncation (undefined in C++).
                        samples.Add(Enumerable.Range(0, 3).Select(c => (float)(int)Math.Clamp(Sample(img[from + step], 3, true, px, py, c)[0], 0f, 255f)).ToArray());
                    }
                }
                // Published order: left samples (nearest first), the centre, right samples; temporal mean at index "left".
                var ordered = samples.Take(left).Append(centre).Concat(samples.Skip(left)).ToList();
                double sum0 = 0, sum1 = 0, sum2 = 0, weight = 0;
                for (int idx = 0; idx < ordered.Count; idx++)
                {
                    var p = ordered[idx];
                    var diff = Math.Sqrt(Math.Pow(centre[0] - p[0], 2) + Math.Pow(centre[1] - p[1], 2) + Math.Pow(centre[2] - p[2], 2));
                    var wgt = Math.Exp(-Math.Pow(idx - left, 2) / (2 * sigmaT * sigmaT)) * Math.Exp(-diff * diff / (2 * sigmaC * sigmaC));
                    sum0 += p[0] * wgt; sum1 += p[1] * wgt; sum2 += p[2] * wgt; weight += wgt;
                }
                expected[(0 * h + y) * w + x] = (byte)(sum0 / weight);
                expected[(1 * h + y) * w + x] = (byte)(sum1 / weight);
                expected[(2 * h + y) * w + x] = (byte)(sum2 / weight);
            }
        using var reference = tensor(expected, new long[] { 3, h, w });
        var diffs = (fast.to(ScalarType.Int32) - reference.to(ScalarType.Int32)).abs();
        // Float rounding may move a value across an 8-bit truncation boundary: at most 1 level, and rarely.
        Assert.True(diffs.max().item<int>() <= 1, $"max difference {diffs.max().item<int>()}");
        Assert.True(diffs.to(ScalarType.Float32).mean().item<float>() < 0.05, $"mean difference {diffs.to(ScalarType.Float32).mean().item<float>()}");
    }
}
