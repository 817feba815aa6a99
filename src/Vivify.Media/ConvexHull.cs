namespace Vivify.Media;

/// <summary>Shared by motion transfer (adapt-scale) and face analysis (best frame). The area of the convex hull of 2D points (what scipy's ConvexHull(points).volume gives in 2D).</summary>
public static class ConvexHull
{
    /// <summary>Andrew's monotone chain, then the shoelace formula; fewer than 3 non-collinear points give 0.</summary>
    public static double Area(IReadOnlyList<(double X, double Y)> points)
    {
        var p = points.Distinct().OrderBy(q => q.X).ThenBy(q => q.Y).ToArray();
        if (p.Length < 3) return 0;
        var hull = new (double X, double Y)[2 * p.Length];
        var k = 0;
        for (var i = 0; i < p.Length; i++)
        {
            while (k >= 2 && Cross(hull[k - 2], hull[k - 1], p[i]) <= 0) k--;
            hull[k++] = p[i];
        }
        for (int i = p.Length - 2, lower = k + 1; i >= 0; i--)
        {
            while (k >= lower && Cross(hull[k - 2], hull[k - 1], p[i]) <= 0) k--;
            hull[k++] = p[i];
        }
        double twice = 0;
        for (var i = 0; i < k - 1; i++) twice += hull[i].X * hull[i + 1].Y - hull[i + 1].X * hull[i].Y;
        return Math.Abs(twice) / 2;
    }

    private static double Cross((double X, double Y) o, (double X, double Y) a, (double X, double Y) b) =>
        (a.X - o.X) * (b.Y - o.Y) - (a.Y - o.Y) * (b.X - o.X);
}
