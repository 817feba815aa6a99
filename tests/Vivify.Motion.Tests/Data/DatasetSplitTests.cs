using Vivify.Motion.Data;
using Xunit;

namespace Vivify.Motion.Tests;

/// <summary>The random train/test split of a dataset root without train/ and test/ (the published train_test_split's equivalent).</summary>
public class DatasetSplitTests(SynthData data) : IClassFixture<SynthData>
{
    /// <summary>A flat root holding copies of the strips, named NAME0..NAME(n−1), created in <paramref name="order"/>.</summary>
    private string FlatRoot(string name, int n, IEnumerable<int> order)
    {
        var strips = Directory.GetFiles(Path.Combine(data.Strips, "train")).Concat(Directory.GetFiles(Path.Combine(data.Strips, "test"))).Order().ToList();
        var root = Path.Combine(data.Root, name);
        Directory.CreateDirectory(root);
        foreach (var i in order) File.Copy(strips[i % strips.Count], Path.Combine(root, $"clip{i:D2}.png"));
        return root;
    }

    [Fact]
    public void Random_split_holds_out_a_fifth_deterministically_whatever_the_creation_order()
    {
        var a = FlatRoot("flat-a", 10, Enumerable.Range(0, 10));
        var b = FlatRoot("flat-b", 10, Enumerable.Range(0, 10).Reverse());
        var (trainA, testA) = DatasetSplit.RandomSplit(a);
        var (trainB, testB) = DatasetSplit.RandomSplit(b);
        Assert.Equal(2, testA.Count);   // ceil(0.2 · 10), as train_test_split
        Assert.Equal(8, trainA.Count);
        Assert.Empty(trainA.Intersect(testA));
        Assert.Equal(Directory.GetFiles(a).Order(StringComparer.Ordinal), trainA.Concat(testA).Order(StringComparer.Ordinal));
        Assert.Equal(testA.Select(Path.GetFileName), testB.Select(Path.GetFileName));
        Assert.Equal(trainA.Select(Path.GetFileName), trainB.Select(Path.GetFileName));
        // Shuffled, not simply the last names (what a plain cut would give).
        Assert.NotEqual(["clip08.png", "clip09.png"], testA.Select(Path.GetFileName));

        using var train = new FramesDataset(a, [64, 64, 3], false, is_train: true, null);
        using var test = new FramesDataset(a, [64, 64, 3], false, is_train: false, null);
        Assert.Equal(trainA.Select(Path.GetFileName), train.videos);
        Assert.Equal(testA.Select(Path.GetFileName), test.videos);
        using var video = test.GetVideo(0);
        Assert.Equal(new long[] { 6, 3, 64, 64 }, video.shape);
        Assert.Equal(testA, Vivify.Motion.Evaluation.Reconstruction.Videos(a, heldOut: true));
        Assert.Equal(10, Vivify.Motion.Evaluation.Reconstruction.Videos(a).Count);
    }

    [Fact]
    public void Small_roots_keep_one_video_on_each_side_and_half_layouts_are_refused()
    {
        var two = FlatRoot("flat-two", 2, [0, 1]);
        var (train, test) = DatasetSplit.RandomSplit(two);
        Assert.Equal((1, 1), (train.Count, test.Count));
        var one = FlatRoot("flat-one", 1, [0]);
        Assert.Throws<InvalidInputException>(() => DatasetSplit.RandomSplit(one));
        var half = Path.Combine(data.Root, "half");
        Directory.CreateDirectory(Path.Combine(half, "train"));
        Assert.Throws<InvalidInputException>(() => new FramesDataset(half, [64, 64, 3], false, is_train: true, null));
    }
}
