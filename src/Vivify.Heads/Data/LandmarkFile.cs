using System.Globalization;
using System.Text;

namespace Vivify.Heads.Data;

/// <summary>
/// The landmarks of one clip as CSV: a header <c>frame,x0,y0,x1,y1,…,x67,y67</c>, then one row per frame that has a
/// face: the 0-based frame number and the 68 points (iBUG order) in the pixels of the clip's own frames. Frames
/// without a face have no row. <c>vivify heads synth</c> writes it as <c>landmarks.csv</c> in each clip folder; the
/// loader writes the same format as its cache (<c>landmarks.csv</c> in a frame folder, <c>NAME.landmarks.csv</c>
/// beside a video file NAME.mp4).
/// </summary>
public static class LandmarkFile
{
    public const string FolderFileName = "landmarks.csv";

    /// <summary>Where the landmarks of <paramref name="clip"/> (a frame folder or a video file) are kept.</summary>
    public static string PathFor(string clip) => Directory.Exists(clip)
        ? Path.Combine(clip, FolderFileName)
        : Path.Combine(Path.GetDirectoryName(clip) ?? "", Path.GetFileNameWithoutExtension(clip) + ".landmarks.csv");

    public static void Write(string path, IReadOnlyDictionary<int, float[,]> landmarks)
    {
        var sb = new StringBuilder("frame");
        for (int i = 0; i < 68; i++) sb.Append(",x").Append(i).Append(",y").Append(i);
        sb.Append('\n');
        foreach (var (frame, points) in landmarks.OrderBy(kv => kv.Key))
        {
            sb.Append(frame.ToString(CultureInfo.InvariantCulture));
            for (int i = 0; i < 68; i++)
                sb.Append(',').Append(points[i, 0].ToString("R", CultureInfo.InvariantCulture))
                  .Append(',').Append(points[i, 1].ToString("R", CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        var temp = $"{path}.{Environment.ProcessId}.tmp"; // ranks of a data-parallel job may cache the same clip at once
        File.WriteAllText(temp, sb.ToString());
        File.Move(temp, path, overwrite: true);
    }

    public static Dictionary<int, float[,]> Read(string path)
    {
        var result = new Dictionary<int, float[,]>();
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || !lines[0].StartsWith("frame,x0,y0", StringComparison.Ordinal))
            throw new InvalidInputException(path, $"{path}: not a landmarks file (header 'frame,x0,y0,…'); delete it to have the landmarks computed again");
        for (int l = 1; l < lines.Length; l++)
        {
            if (lines[l].Length == 0) continue;
            var cells = lines[l].Split(',');
            if (cells.Length != 137 || !int.TryParse(cells[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var frame) || frame < 0)
                throw new InvalidInputException(path, $"{path}: line {l + 1} is not a frame number and 136 coordinates; delete the file to have the landmarks computed again");
            var points = new float[68, 2];
            for (int i = 0; i < 136; i++)
            {
                if (!float.TryParse(cells[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !float.IsFinite(v))
                    throw new InvalidInputException(path, $"{path}: line {l + 1} has a bad coordinate '{cells[i + 1]}'; delete the file to have the landmarks computed again");
                points[i / 2, i % 2] = v;
            }
            result[frame] = points;
        }
        return result;
    }
}
