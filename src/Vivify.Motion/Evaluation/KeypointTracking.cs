using System.Globalization;

namespace Vivify.Motion.Evaluation;

/// <summary>How well one keypoint follows a figure: the figure it follows best, the correlation and the gain of its displacement.</summary>
public sealed record KeypointFollow(string Video, int Keypoint, int Figure, double Correlation, double Gain);

/// <summary>
/// Whether the keypoints move with the shapes of a synthetic dataset: for each test video and keypoint, the
/// displacement from the first frame (x and y of every frame together) against each figure's body-centre
/// displacement (ROOT/tracks.csv of <c>vivify motion synth</c>); the figure with the highest Pearson correlation is
/// the one the keypoint follows, and the least-squares gain says how far it moves per unit of the figure's motion.
/// </summary>
public static class KeypointTracking
{
    /// <summary>The file <c>motion synth</c> writes in the dataset root.</summary>
    public const string TracksFile = "tracks.csv";

    /// <summary>tracks.csv: video → [frames, figures, 2].</summary>
    public static Dictionary<string, float[,,]> LoadTracks(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, $"{path}: tracks file not found; give the tracks.csv that 'vivify motion synth' wrote in the dataset root");
        var rows = File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
        try
        {
            return rows.GroupBy(r => r[0]).ToDictionary(g => g.Key, g =>
            {
                var frames = g.Max(r => int.Parse(r[1], CultureInfo.InvariantCulture)) + 1;
                var figures = g.Max(r => int.Parse(r[2], CultureInfo.InvariantCulture)) + 1;
                var t = new float[frames, figures, 2];
                foreach (var r in g)
                {
                    int f = int.Parse(r[1], CultureInfo.InvariantCulture), k = int.Parse(r[2], CultureInfo.InvariantCulture);
                    t[f, k, 0] = float.Parse(r[3], CultureInfo.InvariantCulture);
                    t[f, k, 1] = float.Parse(r[4], CultureInfo.InvariantCulture);
                }
                return t;
            });
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException)
        {
            throw new InvalidInputException(path, $"{path}: not a tracks file (video,frame,figure,x,y); regenerate it with 'vivify motion synth'");
        }
    }

    /// <summary>Every keypoint of every video that has tracks, with the figure it follows best.</summary>
    public static List<KeypointFollow> Score(IEnumerable<VideoReconstruction> videos, IReadOnlyDictionary<string, float[,,]> tracks)
    {
        var result = new List<KeypointFollow>();
        foreach (var v in videos)
        {
            if (!tracks.TryGetValue(v.Name, out var track)) continue;
            var frames = Math.Min(v.Frames, track.GetLength(0));
            for (var k = 0; k < v.Keypoints.GetLength(1); k++)
            {
                var kp = Displacement(frames, f => (v.Keypoints[f, k, 0], v.Keypoints[f, k, 1]));
                KeypointFollow? best = null;
                for (var j = 0; j < track.GetLength(1); j++)
                {
                    var fig = Displacement(frames, f => (track[f, j, 0], track[f, j, 1]));
                    var (r, gain) = Fit(kp, fig);
                    if (best is null || r > best.Correlation) best = new KeypointFollow(v.Name, k, j, r, gain);
                }
                result.Add(best!);
            }
        }
        return result;
    }

    private static double[] Displacement(int frames, Func<int, (float X, float Y)> at)
    {
        var d = new double[2 * frames];
        var (x0, y0) = at(0);
        for (var f = 0; f < frames; f++)
        {
            var (x, y) = at(f);
            d[2 * f] = x - x0;
            d[2 * f + 1] = y - y0;
        }
        return d;
    }

    /// <summary>Pearson correlation of <paramref name="a"/> with <paramref name="b"/>, and the least-squares gain a ≈ gain·b (through the origin).</summary>
    private static (double R, double Gain) Fit(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0, ab = 0, bb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
            ab += a[i] * b[i];
            bb += b[i] * b[i];
        }
        var r = saa > 0 && sbb > 0 ? sab / Math.Sqrt(saa * sbb) : 0;
        return (r, bb > 0 ? ab / bb : 0);
    }
}
