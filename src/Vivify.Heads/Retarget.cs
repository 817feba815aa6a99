namespace Vivify.Heads;

/// <summary>
/// A 2-D similarity transform (rotation, uniform scale, translation; no reflection):
/// x' = A·x − B·y + Tx, y' = B·x + A·y + Ty, i.e. p' = z·p + t with z = A + iB = s·e^{iθ} as complex numbers.
/// </summary>
public sealed record Similarity2D(double A, double B, double Tx, double Ty)
{
    public double Scale => Math.Sqrt(A * A + B * B);
    public double Angle => Math.Atan2(B, A);

    public static Similarity2D FromScaleAngle(double scale, double angle, double tx, double ty) =>
        new(scale * Math.Cos(angle), scale * Math.Sin(angle), tx, ty);

    /// <summary>The least-squares similarity taking the points <paramref name="from"/> onto <paramref name="to"/> ([N,2] each;
    /// Umeyama 1991 in the complex plane): with centred points a, b: z = Σ conj(aᵢ)·bᵢ / Σ |aᵢ|², t = mean(to) − z·mean(from).</summary>
    public static Similarity2D Fit(float[,] from, float[,] to)
    {
        int n = from.GetLength(0);
        if (n < 2 || to.GetLength(0) != n || from.GetLength(1) != 2 || to.GetLength(1) != 2)
            throw new ArgumentException($"similarity: need two [N,2] point sets with the same N ≥ 2, got [{n},{from.GetLength(1)}] and [{to.GetLength(0)},{to.GetLength(1)}]");
        double fx = 0, fy = 0, tx = 0, ty = 0;
        for (int i = 0; i < n; i++) { fx += from[i, 0]; fy += from[i, 1]; tx += to[i, 0]; ty += to[i, 1]; }
        fx /= n; fy /= n; tx /= n; ty /= n;
        double re = 0, im = 0, norm = 0;
        for (int i = 0; i < n; i++)
        {
            double ax = from[i, 0] - fx, ay = from[i, 1] - fy, bx = to[i, 0] - tx, by = to[i, 1] - ty;
            re += ax * bx + ay * by;   // Re(conj(a)·b)
            im += ax * by - ay * bx;   // Im(conj(a)·b)
            norm += ax * ax + ay * ay;
        }
        if (!(norm > 0)) throw new ArgumentException("similarity: the source points all coincide");
        double a = re / norm, b = im / norm;
        return new Similarity2D(a, b, tx - (a * fx - b * fy), ty - (b * fx + a * fy));
    }

    public (double X, double Y) Apply(double x, double y) => (A * x - B * y + Tx, B * x + A * y + Ty);

    /// <summary>The rotation and scale only (for displacements).</summary>
    public (double X, double Y) ApplyLinear(double dx, double dy) => (A * dx - B * dy, B * dx + A * dy);

    public float[,] Apply(float[,] points)
    {
        var r = new float[points.GetLength(0), 2];
        for (int i = 0; i < points.GetLength(0); i++)
        {
            var (x, y) = Apply(points[i, 0], points[i, 1]);
            (r[i, 0], r[i, 1]) = ((float)x, (float)y);
        }
        return r;
    }
}

/// <summary>
/// Maps the 68 landmarks of a driving video onto the face of a fine-tuned person so that a stranger's motion fits
/// the portrait. With d₀ the driving reference frame's landmarks (the first frame with a face), T the person's
/// mean landmarks (in the model's frame pixels) and S(p) = z·p + t the least-squares similarity taking d₀ onto T
/// (<see cref="Similarity2D.Fit"/>; z = s·e^{iθ} carries the scale s and the rotation θ), a driving frame's landmarks
/// dₜ become
/// <code>yₜ = T + z·(dₜ − d₀)</code>
/// point by point: the target's own face shape, position and size at rest, plus the driving displacements
/// (expression and head motion relative to the reference frame) rotated into the target's orientation and scaled
/// by the ratio of face sizes s. When T is itself a similarity image of d₀ (T = S(d₀)), yₜ = S(dₜ) exactly.
/// </summary>
public sealed class Retarget
{
    private readonly float[,] _reference, _target;

    public Retarget(float[,] drivingReference, float[,] target)
    {
        if (drivingReference.GetLength(0) != 68 || target.GetLength(0) != 68)
            throw new ArgumentException("retarget: both landmark sets must have 68 points");
        _reference = (float[,])drivingReference.Clone();
        _target = (float[,])target.Clone();
        Transform = Similarity2D.Fit(drivingReference, target);
    }

    /// <summary>S: the driving reference frame onto the target face.</summary>
    public Similarity2D Transform { get; }

    /// <summary>yₜ = T + z·(dₜ − d₀).</summary>
    public float[,] Map(float[,] driving)
    {
        if (driving.GetLength(0) != 68 || driving.GetLength(1) != 2) throw new ArgumentException("retarget: expected [68,2] driving landmarks");
        var r = new float[68, 2];
        for (int i = 0; i < 68; i++)
        {
            var (dx, dy) = Transform.ApplyLinear(driving[i, 0] - _reference[i, 0], driving[i, 1] - _reference[i, 1]);
            r[i, 0] = (float)(_target[i, 0] + dx);
            r[i, 1] = (float)(_target[i, 1] + dy);
        }
        return r;
    }
}
