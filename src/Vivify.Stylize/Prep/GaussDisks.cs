using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize.Prep;

/// <summary>
/// The published auxiliary guide (_tools/gauss, run by tool_gauss.py with radius 10 and σ 10, "input_gdisko_gauss_r10_s10"):
/// points spread by Poisson-disk sampling (minimum distance <c>radius</c>) where a key frame's mask is above 64, carried
/// along the optical flow to every other frame of the clip (forward with flow f−1 → f, backward with flow f+1 → f), and
/// drawn as Gaussian disks (colour blended in with weight exp(−d²/σ²) within 3σ) of random colours, the last key's
/// points first. The published tool seeds C's rand() with 1337 for colours and uses a library's own Poisson sampler;
/// here both come from System.Random with fixed seeds, so the colours and points differ from the published images
/// but are the same on every run and every frame.
/// </summary>
public sealed class GaussDisks
{
    public const float PublishedRadius = 10;
    public const float PublishedSigma = 10;

    private readonly List<(float X, float Y)>[][] _points; // [key][frame]
    private readonly int _width, _height;
    private readonly float _sigma;

    /// <param name="clip">The clip whose flows carry the points.</param>
    /// <param name="keys">Key frame indices and their masks (uint8 or float [H,W], "inside" above 64 of 255 / 0.25), null for the whole frame.</param>
    public GaussDisks(Clip clip, IReadOnlyList<(int Frame, Tensor? Mask)> keys, float radius = PublishedRadius, float sigma = PublishedSigma, int seed = 0)
    {
        if (keys.Count == 0) throw new ArgumentException("auxiliary disks need at least one key frame", nameof(keys));
        _width = (int)clip.Width; _height = (int)clip.Height; _sigma = sigma;
        _points = new List<(float, float)>[keys.Count][];
        for (var k = 0; k < keys.Count; k++)
        {
            var (key, mask) = keys[k];
            var perFrame = new List<(float, float)>[clip.Count];
            var keyPoints = PoissonPoints(mask, radius, seed + k);
            perFrame[key] = keyPoints;
            var ps = keyPoints;
            for (var f = key + 1; f < clip.Count; f++) perFrame[f] = ps = Advect(ps, clip.FlowToNext(f - 1));
            ps = keyPoints;
            for (var f = key - 1; f >= 0; f--) perFrame[f] = ps = Advect(ps, clip.FlowToPrevious(f + 1));
            _points[k] = perFrame;
        }
    }

    /// <summary>The guide image of frame <paramref name="f"/>, uint8 [3,H,W].</summary>
    public Tensor Render(int f)
    {
        var o = new float[3 * _width * _height];
        var colors = new Random(1337);
        int r = (int)(3 * _sigma);
        for (var k = _points.Length - 1; k >= 0; k--)
            foreach (var (px, py) in _points[k][f])
            {
                float cr = colors.Next(255) / 255f, cg = colors.Next(255) / 255f, cb = colors.Next(255) / 255f;
                for (int y = (int)(py - r); y <= py + r; y++)
                    for (int x = (int)(px - r); x <= px + r; x++)
                    {
                        if (x < 0 || x >= _width || y < 0 || y >= _height) continue;
                        var a = MathF.Exp(-((x - px) * (x - px) + (y - py) * (y - py)) / (_sigma * _sigma));
                        var i = y * _width + x;
                        o[i] += (cr - o[i]) * a;
                        o[_width * _height + i] += (cg - o[_width * _height + i]) * a;
                        o[2 * _width * _height + i] += (cb - o[2 * _width * _height + i]) * a;
                    }
            }
        using var t = tensor(o, new long[] { 3, _height, _width });
        return (t * S(255)).clamp(S(0), S(255)).floor().to(ScalarType.Byte);
    }

    /// <summary>Points carried one frame along a flow [H,W,2] sampled bilinearly (indices clamped), as published.</summary>
    private List<(float, float)> Advect(List<(float X, float Y)> ps, Tensor flow)
    {
        var data = flow.data<float>();
        var moved = new List<(float, float)>(ps.Count);
        foreach (var (x, y) in ps)
        {
            int ix = (int)MathF.Floor(x), iy = (int)MathF.Floor(y);
            float s = x - ix, t = y - iy;
            float u = 0, v = 0;
            void Add(int xx, int yy, float wgt)
            {
                var i = ((long)Math.Clamp(yy, 0, _height - 1) * _width + Math.Clamp(xx, 0, _width - 1)) * 2;
                u += wgt * data[i]; v += wgt * data[i + 1];
            }
            Add(ix, iy, (1 - s) * (1 - t)); Add(ix + 1, iy, s * (1 - t)); Add(ix, iy + 1, (1 - s) * t); Add(ix + 1, iy + 1, s * t);
            moved.Add((x + u, y + v));
        }
        return moved;
    }

    /// <summary>Bridson's Poisson-disk sampling over [0,W−1]×[0,H−1], kept where the mask is set (integer positions, as published).</summary>
    private List<(float, float)> PoissonPoints(Tensor? mask, float radius, int seed)
    {
        float[]? m = null;
        if (mask is not null)
        {
            using var mf = mask.dtype == ScalarType.Byte ? mask.to(ScalarType.Float32) : mask.to(ScalarType.Float32) * S(255);
            m = mf.contiguous().data<float>().ToArray();
        }
        var random = new Random(seed);
        float cell = radius / MathF.Sqrt(2);
        int gw = (int)MathF.Ceiling(_width / cell) + 1, gh = (int)MathF.Ceiling(_height / cell) + 1;
        var grid = new int[gw * gh];
        Array.Fill(grid, -1);
        var samples = new List<(float X, float Y)>();
        var active = new List<int>();
        void Add(float x, float y)
        {
            grid[(int)(y / cell) * gw + (int)(x / cell)] = samples.Count;
            active.Add(samples.Count);
            samples.Add((x, y));
        }
        bool Free(float x, float y)
        {
            int cx = (int)(x / cell), cy = (int)(y / cell);
            for (int yy = Math.Max(0, cy - 2); yy <= Math.Min(gh - 1, cy + 2); yy++)
                for (int xx = Math.Max(0, cx - 2); xx <= Math.Min(gw - 1, cx + 2); xx++)
                {
                    var j = grid[yy * gw + xx];
                    if (j >= 0 && (samples[j].X - x) * (samples[j].X - x) + (samples[j].Y - y) * (samples[j].Y - y) < radius * radius) return false;
                }
            return true;
        }
        Add((float)random.NextDouble() * (_width - 1), (float)random.NextDouble() * (_height - 1));
        while (active.Count > 0)
        {
            var ai = random.Next(active.Count);
            var (sx, sy) = samples[active[ai]];
            var found = false;
            for (var attempt = 0; attempt < 30 && !found; attempt++)
            {
                var angle = random.NextDouble() * 2 * Math.PI;
                var dist = radius * (1 + random.NextDouble());
                float x = sx + (float)(dist * Math.Cos(angle)), y = sy + (float)(dist * Math.Sin(angle));
                if (x < 0 || y < 0 || x > _width - 1 || y > _height - 1 || !Free(x, y)) continue;
                Add(x, y);
                found = true;
            }
            if (!found) active.RemoveAt(ai);
        }
        var kept = new List<(float, float)>();
        foreach (var (x, y) in samples)
        {
            int ix = (int)x, iy = (int)y;
            if (m is null || m[iy * _width + ix] > 64) kept.Add((ix, iy));
        }
        return kept;
    }
}
