namespace Vivify.Faces;

/// <summary>
/// face-api's SSD <c>nonMaxSuppression</c>: candidates above the score threshold, best first, are kept unless a kept box
/// overlaps them by IoU above the threshold; at most <c>maxOutputSize</c>. Boxes are (ymin, xmin, ymax, xmax), corners
/// in either order; a box with no area overlaps nothing.
/// </summary>
public static class NonMaxSuppression
{
    public static List<int> Select(float[,] boxes, float[] scores, int maxOutputSize, double iouThreshold, double scoreThreshold)
    {
        var outputSize = Math.Min(maxOutputSize, boxes.GetLength(0));
        // A stable sort on descending score, as JavaScript's Array.prototype.sort is.
        var candidates = Enumerable.Range(0, scores.Length).Where(i => scores[i] > scoreThreshold)
            .OrderByDescending(i => scores[i]).ToList();
        var selected = new List<int>();
        foreach (var c in candidates)
        {
            if (selected.Count >= outputSize) break;
            var suppressed = false;
            for (var j = selected.Count - 1; j >= 0; j--)
            {
                if (IoU(boxes, c, selected[j]) > iouThreshold) { suppressed = true; break; }
            }
            if (!suppressed) selected.Add(c);
        }
        return selected;
    }

    /// <summary>face-api's <c>IOU</c> of boxes i and j of (ymin, xmin, ymax, xmax) rows.</summary>
    public static double IoU(float[,] b, int i, int j)
    {
        double yminI = Math.Min(b[i, 0], b[i, 2]), xminI = Math.Min(b[i, 1], b[i, 3]);
        double ymaxI = Math.Max(b[i, 0], b[i, 2]), xmaxI = Math.Max(b[i, 1], b[i, 3]);
        double yminJ = Math.Min(b[j, 0], b[j, 2]), xminJ = Math.Min(b[j, 1], b[j, 3]);
        double ymaxJ = Math.Max(b[j, 0], b[j, 2]), xmaxJ = Math.Max(b[j, 1], b[j, 3]);
        var areaI = (ymaxI - yminI) * (xmaxI - xminI);
        var areaJ = (ymaxJ - yminJ) * (xmaxJ - xminJ);
        if (areaI <= 0 || areaJ <= 0) return 0;
        var inter = Math.Max(Math.Min(ymaxI, ymaxJ) - Math.Max(yminI, yminJ), 0.0) * Math.Max(Math.Min(xmaxI, xmaxJ) - Math.Max(xminI, xminJ), 0.0);
        return inter / (areaI + areaJ - inter);
    }
}
