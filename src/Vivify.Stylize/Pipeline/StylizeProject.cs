using System.Text;
using Vivify.Media;

namespace Vivify.Stylize;

/// <summary>
/// The project folder that <see cref="StylizeWatch"/> trains on:
///   DIR/video.mp4 (any video.* file) or DIR/frames/ (numbered pictures) — the footage;
///   DIR/keys/NNNNN.png — painted keyframes, named by their 0-based frame number (e.g. 00000.png, 00040.png);
///   DIR/masks/NNNNN.png — optional masks of the same names (white = painted);
///   DIR/preview/NNNNN.png — re-rendered previews (written);
///   DIR/model.pth — the model, saved with every preview and at the end; continued when watching starts again.
/// </summary>
public sealed class StylizeProject
{
    public StylizeProject(string dir)
    {
        if (!Directory.Exists(dir)) throw new InvalidInputException(dir, $"{dir}: no such project folder; create it with video.mp4 (or frames/) and keys/");
        Dir = dir;
        var frames = Path.Combine(dir, "frames");
        Video = Directory.Exists(frames) ? frames
            : Directory.GetFiles(dir, "video.*").Order(StringComparer.Ordinal).FirstOrDefault()
              ?? throw new InvalidInputException(dir, $"{dir}: holds no video.* file and no frames/ folder; put the footage there");
        if (!Directory.Exists(KeysDir)) throw new InvalidInputException(KeysDir, $"{KeysDir}: no keys folder; create it and put painted frames there named by frame number, e.g. 00000.png");
    }

    public string Dir { get; }
    public string Video { get; }
    public string KeysDir => Path.Combine(Dir, "keys");
    public string MasksDir => Path.Combine(Dir, "masks");
    public string PreviewDir => Path.Combine(Dir, "preview");
    public string Model => Path.Combine(Dir, "model.pth");

    /// <summary>Names, sizes and times of the keyframe and mask files: changes when any is added, removed or rewritten.</summary>
    public string Signature()
    {
        var sb = new StringBuilder();
        foreach (var d in new[] { KeysDir, MasksDir })
            if (Directory.Exists(d))
                foreach (var f in Directory.GetFiles(d).Order(StringComparer.Ordinal))
                {
                    var i = new FileInfo(f);
                    sb.Append(f).Append('|').Append(i.Length).Append('|').Append(i.LastWriteTimeUtc.Ticks).Append('\n');
                }
        return sb.ToString();
    }

    /// <summary>The keyframe files in keys/ with their masks, checked against a clip of <paramref name="frameCount"/> frames.</summary>
    public List<KeyframeFile> Keys(int frameCount)
    {
        var keys = new List<KeyframeFile>();
        foreach (var f in Directory.GetFiles(KeysDir).Where(InputPath.IsStill).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(f);
            if (Path.GetFileName(f).StartsWith('.')) continue; // editors' temporaries
            if (!int.TryParse(name, out var n) || n < 0) throw new InvalidInputException(f, $"{f}: keyframes are named by their 0-based frame number, e.g. 00040.png");
            if (n >= frameCount) throw new InvalidInputException(f, $"{f}: frame {n} is out of range, the video has frames 0–{frameCount - 1}");
            var mask = Directory.Exists(MasksDir)
                ? Directory.GetFiles(MasksDir, name + ".*").FirstOrDefault(InputPath.IsStill)
                : null;
            keys.Add(new KeyframeFile(n, f, mask));
        }
        return keys;
    }

    /// <summary>The frames previewed by default: the keyframes and the first, middle and last frame.</summary>
    public static List<int> DefaultPreviewFrames(IReadOnlyList<KeyframeFile> keys, int count) =>
        keys.Select(k => k.Frame).Concat([0, count / 2, count - 1]).Distinct().Order().ToList();
}
