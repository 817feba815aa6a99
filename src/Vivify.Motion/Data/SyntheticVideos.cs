using TorchSharp;
using Vivify.Motion.Blocks;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Data;

/// <summary>
/// Small synthetic motion videos for training on a CPU in minutes: two (or one) large articulated figures (a deforming, turning
/// elliptical body with a striped texture and a limb swinging at a joint) travelling about half the frame over a static
/// textured background, so that repeating the first frame is a poor reconstruction while warping it explains nearly
/// everything.
/// Everything follows from the seed: the same seed and index give the same video.
/// </summary>
public static class SyntheticVideos
{
    /// <summary>Video <paramref name="index"/> of the set drawn from <paramref name="seed"/>: float32 [frames, 3, size, size] in [0, 1].</summary>
    public static Tensor Generate(long seed, int index, int size, int frames, int figures = 2) => Generate(seed, index, size, frames, figures, out _);

    /// <summary>
    /// As <see cref="Generate(long, int, int, int, int)"/>, with each figure's body centre per frame in
    /// <paramref name="centres"/> [frames, figures, 2] (x, y in the model's [-1, 1] keypoint coordinates).
    /// </summary>
    public static Tensor Generate(long seed, int index, int size, int frames, int figures, out float[,,] centres)
    {
        if (figures is < 1 or > 2) throw new ArgumentOutOfRangeException(nameof(figures), figures, "use 1 or 2 figures");
        if (size < 16) throw new ArgumentOutOfRangeException(nameof(size), size, "the size is too small; use 64 or 128");
        if (frames < 2) throw new ArgumentOutOfRangeException(nameof(frames), frames, "a video needs at least 2 frames");
        // Not HashCode.Combine: it is randomised per process. System.Random(int) is the same sequence in every .NET.
        var rng = new Random(unchecked((int)(seed * 1_000_003L + index * 7_919L + 0x5EED)));
        using var scope = NewDisposeScope();
        var grid = CoordinateGrid.make_coordinate_grid(size, size);
        var x = grid[.., .., 0];
        var y = grid[.., .., 1];
        var background = Background(rng, x, y);
        var drawn = Enumerable.Range(0, figures).Select(k => Figure.Draw(rng, k, figures)).ToList();
        var soft = 1.5 / size;

        centres = new float[frames, drawn.Count, 2];
        var result = new List<Tensor>();
        for (var f = 0; f < frames; f++)
        {
            using var frameScope = NewDisposeScope();
            var t = (double)f / frames;
            var image = background.clone();
            for (var k = 0; k < drawn.Count; k++)
            {
                image = drawn[k].Render(image, x, y, t, soft, out var cx, out var cy);
                centres[f, k, 0] = (float)cx;
                centres[f, k, 1] = (float)cy;
            }
            result.Add(image.clamp(S(0), S(1)).MoveToOuterDisposeScope());
        }
        return stack(result).MoveToOuterDisposeScope();
    }

    /// <summary>A smooth colour texture: a base colour plus a few random plane waves, each with its own colour.</summary>
    private static Tensor Background(Random rng, Tensor x, Tensor y)
    {
        var image = Colour(rng, 0.25, 0.75).view(3, 1, 1) * ones_like(x).unsqueeze(0);
        for (var k = 0; k < 4; k++)
        {
            double fx = (rng.NextDouble() * 2 - 1) * 8, fy = (rng.NextDouble() * 2 - 1) * 8, phase = rng.NextDouble() * 2 * Math.PI;
            var wave = sin((x * S(fx)).add(y * S(fy), One).add(S(phase), One)).unsqueeze(0);
            image = image.add(S(0.08) * wave * (Colour(rng, -1, 1).view(3, 1, 1)), One);
        }
        return image;
    }

    private static Tensor Colour(Random rng, double lo, double hi) =>
        tensor(Enumerable.Range(0, 3).Select(_ => (float)(lo + (hi - lo) * rng.NextDouble())).ToArray());

    /// <summary>One articulated figure: body path, size and deformation, limb and joint motion.</summary>
    private sealed record Figure(double Cx, double Cy, double Ax, double Ay, double Wx, double Wy, double Phase,
        double Rx, double Ry, double Deform, double Spin, double Angle0, double LimbLength, double LimbWidth,
        double Joint0, double Swing, double SwingFreq, float[] BodyColour, float[] LimbColour, double Stripes)
    {
        /// <summary>Figure <paramref name="k"/>: large (a third of the frame across) and travelling about half the frame.</summary>
        public static Figure Draw(Random rng, int k, int count)
        {
            float[] Bright() { var c = new float[3]; var m = rng.Next(3); for (var i = 0; i < 3; i++) c[i] = (float)(i == m ? 0.85 + 0.15 * rng.NextDouble() : 0.05 + 0.35 * rng.NextDouble()); return c; }
            // The two figures start on opposite sides so that they rarely hide each other for long.
            // A figure alone stays near the middle.
            var side = k == 0 ? -1 : 1;
            var offset = rng.NextDouble();
            return new Figure(
                Cx: count == 1 ? (offset * 2 - 1) * 0.15 : side * (0.15 + 0.2 * offset), Cy: (rng.NextDouble() * 2 - 1) * 0.3,
                Ax: 0.3 + 0.2 * rng.NextDouble(), Ay: 0.3 + 0.2 * rng.NextDouble(),
                Wx: 1, Wy: 1, Phase: rng.NextDouble() * 2 * Math.PI,
                Rx: 0.35 + 0.1 * rng.NextDouble(), Ry: 0.22 + 0.08 * rng.NextDouble(), Deform: 0.1 + 0.1 * rng.NextDouble(),
                Spin: (rng.NextDouble() * 2 - 1) * Math.PI, Angle0: rng.NextDouble() * 2 * Math.PI,
                LimbLength: 0.3 + 0.15 * rng.NextDouble(), LimbWidth: 0.07 + 0.04 * rng.NextDouble(),
                Joint0: rng.NextDouble() * 2 * Math.PI, Swing: 0.5 + 0.5 * rng.NextDouble(), SwingFreq: 1 + rng.Next(2),
                BodyColour: Bright(), LimbColour: Bright(), Stripes: 4 + 6 * rng.NextDouble());
        }

        /// <summary>Paints the figure at time <paramref name="t"/> ∈ [0, 1) over <paramref name="image"/> [3, H, W].</summary>
        public Tensor Render(Tensor image, Tensor x, Tensor y, double t, double soft, out double cx, out double cy)
        {
            cx = Cx + Ax * Math.Sin(2 * Math.PI * Wx * t + Phase);
            cy = Cy + Ay * Math.Cos(2 * Math.PI * Wy * t + Phase);
            var angle = Angle0 + Spin * t;
            var rx = Rx * (1 + Deform * Math.Sin(4 * Math.PI * t + Phase));
            var ry = Ry * (1 - Deform * Math.Sin(4 * Math.PI * t + Phase));
            double ca = Math.Cos(angle), sa = Math.Sin(angle);

            // Limb: a capsule from the body's edge along the joint angle, painted under the body.
            var joint = angle + Joint0 + Swing * Math.Sin(2 * Math.PI * SwingFreq * t);
            double px = cx + rx * 0.8 * ca, py = cy + rx * 0.8 * sa;
            double qx = px + LimbLength * Math.Cos(joint), qy = py + LimbLength * Math.Sin(joint);
            var limb = SegmentMask(x, y, px, py, qx, qy, LimbWidth, soft);
            image = Over(image, limb, tensor(LimbColour).view(3, 1, 1));

            // Body: a rotated, breathing ellipse with stripes across its long axis.
            var u = ((x - S(cx)) * S(ca)).add((y - S(cy)) * S(sa), One);
            var v = (-(x - S(cx)) * S(sa)).add((y - S(cy)) * S(ca), One);
            var r = sqrt((u / S(rx)).pow(S(2)).add((v / S(ry)).pow(S(2)), One));
            var body = sigmoid(rsub(r, One) * S(Math.Min(rx, ry)) / S(soft));
            var stripes = (S(0.2) * sin(u / S(rx) * S(Stripes)).unsqueeze(0)).add(S(0.8), One);
            image = Over(image, body, tensor(BodyColour).view(3, 1, 1) * stripes);
            return image;
        }

        private static Tensor SegmentMask(Tensor x, Tensor y, double px, double py, double qx, double qy, double width, double soft)
        {
            double dx = qx - px, dy = qy - py, len2 = dx * dx + dy * dy;
            var s = (((x - S(px)) * S(dx)).add((y - S(py)) * S(dy), One) / S(len2)).clamp(S(0), S(1));
            var d = sqrt((x - S(px) - s * S(dx)).pow(S(2)).add((y - S(py) - s * S(dy)).pow(S(2)), One));
            return sigmoid(rsub(d, S(width)) / S(soft));
        }

        private static Tensor Over(Tensor image, Tensor mask, Tensor colour) => (image * rsub(mask, One)).add(colour * mask, One);
    }
}
