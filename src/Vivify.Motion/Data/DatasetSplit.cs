namespace Vivify.Motion.Data;

/// <summary>
/// Which videos of a dataset root train and which test. With ROOT/train and ROOT/test the split is predefined. Without
/// them the published loader splits the videos of ROOT at random (scikit-learn's train_test_split, test_size 0.2,
/// random_state 0, over os.listdir's order); Vivify does the equivalent deterministically: the video names in ordinal
/// order, shuffled by Fisher–Yates with System.Random(0), the first ceil(0.2·N) (at least 1, at most N − 1) held out
/// for testing, each part kept in ordinal order. The split depends only on the names, never on --seed or the file system.
/// </summary>
public static class DatasetSplit
{
    /// <summary>The published test_size.</summary>
    public const double TestSize = 0.2;

    /// <summary>True when <paramref name="root"/> holds both train/ and test/.</summary>
    public static bool HasPredefinedSplit(string root) =>
        Directory.Exists(Path.Combine(root, "train")) && Directory.Exists(Path.Combine(root, "test"));

    /// <summary>The videos directly in <paramref name="dir"/> (folders of frames, video files, png strips), in ordinal order.</summary>
    public static List<string> VideosIn(string dir) =>
        Directory.EnumerateFileSystemEntries(dir)
            .Where(p => !Path.GetFileName(p).StartsWith('.') && VideoReader.IsVideo(p))
            .OrderBy(p => p, StringComparer.Ordinal).ToList();

    /// <summary>The random split of the videos in <paramref name="root"/>: full paths, each part in ordinal order.</summary>
    public static (List<string> Train, List<string> Test) RandomSplit(string root)
    {
        var videos = VideosIn(root);
        if (videos.Count < 2)
            throw new InvalidInputException(root, $"{root}: a random train/test split needs at least 2 videos, found {videos.Count}; add videos or create train/ and test/ folders");
        var order = videos.ToArray();
        var rng = new Random(0);
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        var test = Math.Clamp((int)Math.Ceiling(TestSize * order.Length), 1, order.Length - 1);
        return (order.Skip(test).OrderBy(p => p, StringComparer.Ordinal).ToList(),
                order.Take(test).OrderBy(p => p, StringComparer.Ordinal).ToList());
    }
}
