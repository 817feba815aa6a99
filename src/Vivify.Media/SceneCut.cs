namespace Vivify.Media;

/// <summary>
/// Scene cuts between consecutive frames, from their colour histograms: 4×4×4 bins of RGB over about 20 000
/// pixels sampled on a grid, compared by half their L1 distance (0: the same colours, 1: no colour in common). A
/// histogram ignores where things are, so a face or camera moving within a shot changes it little, while a cut to
/// another shot changes most of it. Cuts between two shots of the same colours are not seen here (a face that jumps
/// is, by <c>FaceTrack</c>).
/// </summary>
public static class SceneCut
{
    public const int Bins = 4;

    /// <summary>
    /// The distance above which two consecutive frames are taken for a cut. Measured on the sample clips
    /// (bench/faces/scenecut-results.md): within shots at most 0.084 (a hand passing before the camera as the exposure
    /// changes), across cuts between different clips or photographs at least 0.306; 0.16 is about their geometric
    /// middle, a margin of 1.9× either way. Cuts within one film, between shots of the same palette, measure 0.05 to
    /// 0.23 and are partly missed (a face that jumps is still seen by <c>FaceTrack</c>).
    /// </summary>
    public const double DefaultThreshold = 0.16;

    /// <summary>The normalised colour histogram of a frame (<see cref="Bins"/>³ values summing to 1).</summary>
    public static float[] Histogram(RgbFrame frame)
    {
        var histogram = new float[Bins * Bins * Bins];
        var step = Math.Max(1, (int)Math.Sqrt((double)frame.Width * frame.Height / 20000));
        var shift = 8 - 2; // 256 levels → 4 bins
        var count = 0;
        var data = frame.Data;
        for (var y = step / 2; y < frame.Height; y += step)
        {
            for (var x = step / 2; x < frame.Width; x += step)
            {
                var i = (y * frame.Width + x) * 3;
                histogram[((data[i] >> shift) * Bins + (data[i + 1] >> shift)) * Bins + (data[i + 2] >> shift)]++;
                count++;
            }
        }
        for (var b = 0; b < histogram.Length; b++) histogram[b] /= count;
        return histogram;
    }

    /// <summary>Half the L1 distance of two histograms, in [0, 1].</summary>
    public static double Distance(float[] a, float[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"histograms of {a.Length} and {b.Length} bins", nameof(b));
        double sum = 0;
        for (var i = 0; i < a.Length; i++) sum += Math.Abs(a[i] - b[i]);
        return sum / 2;
    }
}
