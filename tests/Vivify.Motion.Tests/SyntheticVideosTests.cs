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
}
