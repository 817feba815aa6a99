using Vivify.Motion.Data;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

public class SyntheticVideosTests
{
    [Fact]
    public void Same_seed_same_video_and_shapes_move()
    {
        using var a = SyntheticVideos.Generate(7, 2, 64, 6);
        using var b = SyntheticVideos.Generate(7, 2, 64, 6);
        using var c = SyntheticVideos.Generate(8, 2, 64, 6);
        Assert.Equal(new long[] { 6, 3, 64, 64 }, a.shape);
        Assert.True(a.eq(b).all().item<bool>());
        Assert.False(a.eq(c).all().item<bool>());
        Assert.True(a.min().item<float>() >= 0 && a.max().item<float>() <= 1);
        // Consecutive frames differ (the figures move), by a visible amount.
        using var change = (a[1] - a[0]).abs().mean();
        Assert.True(change.item<float>() > 1e-3f, $"mean change {change.item<float>()}");
    }

    [Fact]
    public void One_figure_per_video_is_tracked_alone_and_moves()
    {
        using var one = SyntheticVideos.Generate(7, 2, 64, 8, 1, out var centres);
        Assert.Equal(new long[] { 8, 3, 64, 64 }, one.shape);
        Assert.Equal(new[] { 8, 1, 2 }, new[] { centres.GetLength(0), centres.GetLength(1), centres.GetLength(2) });
        var travel = Math.Abs(centres[7, 0, 0] - centres[0, 0, 0]) + Math.Abs(centres[7, 0, 1] - centres[0, 0, 1]);
        Assert.True(travel > 0.1, $"the figure's centre moved only {travel}");
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticVideos.Generate(7, 2, 64, 8, 3));
    }
}
