using Vivify.Media;

namespace Vivify.Faces;

/// <summary>
/// The published demo's <c>find_best_frame</c> (First Order Motion Model, <c>demo.py</c>): landmarks are normalised
/// (centred on their mean, divided by the square root of their convex hull's area) and the driving frame whose
/// normalised landmarks are closest to the source's (sum of squared differences) is the one to start relative motion from.
/// </summary>
public static class BestFrame
{
    /// <summary>The index of the driving frame closest to the source; frames without landmarks (null: no face) are
    /// skipped. Throws <see cref="NoFaceException"/> when no frame has a face.</summary>
    public static int Find(float[,] source, IEnumerable<float[,]?> driving, string drivingName = "the driving video")
    {
        var src = Normalise(source);
        var best = -1;
        var norm = double.PositiveInfinity;
        var i = 0;
        foreach (var d in driving)
        {
            if (d is not null)
            {
                var sum = Distance(src, Normalise(d));
                if (sum < norm) { norm = sum; best = i; }
            }
            i++;
        }
        if (best < 0) throw new NoFaceException(drivingName, $"{drivingName}: no frame shows a face, so there is no best frame to start from; start from a frame of your choice instead");
        return best;
    }

    /// <summary>The demo's distance of two faces' normalised landmarks (<see cref="Normalise"/>): the sum of squared differences.</summary>
    public static double Distance(double[] a, double[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"landmarks of {a.Length / 2} and {b.Length / 2} points", nameof(b));
        double sum = 0;
        for (var k = 0; k < a.Length; k++) sum += (a[k] - b[k]) * (a[k] - b[k]);
        return sum;
    }

    /// <summary>The demo's <c>normalize_kp</c>: (x, y) minus their mean, divided by sqrt(convex hull area); flattened [x0, y0, x1, …].</summary>
    public static double[] Normalise(float[,] points)
    {
        var n = points.GetLength(0);
        double mx = 0, my = 0;
        for (var i = 0; i < n; i++) { mx += points[i, 0]; my += points[i, 1]; }
        mx /= n; my /= n;
        var centred = Enumerable.Range(0, n).Select(i => (X: points[i, 0] - mx, Y: points[i, 1] - my)).ToList();
        var scale = Math.Sqrt(ConvexHull.Area(centred));
        if (!(scale > 0)) throw new VivifyException("landmarks: all points on one line; the face is not usable for best-frame search");
        var result = new double[2 * n];
        for (var i = 0; i < n; i++) { result[2 * i] = centred[i].X / scale; result[2 * i + 1] = centred[i].Y / scale; }
        return result;
    }
}
