using Xunit;

namespace Vivify.Faces.Tests;

public class LandmarkSmootherTests
{
    private static float[,] Points(float x, float y) => new float[,] { { x, y }, { x + 10, y - 10 } };

    [Fact]
    public void FirstFramePassesAndStillPointsStay()
    {
        var s = new LandmarkSmoother(25);
        Assert.Equal(Points(5, 7), s.Smooth(Points(5, 7)));
        for (var i = 0; i < 10; i++) Assert.Equal(Points(5, 7), s.Smooth(Points(5, 7)));
    }

    [Fact]
    public void JitterShrinksAndAMoveIsFollowed()
    {
        var s = new LandmarkSmoother(25);
        var rng = new Random(1);
        double rawVar = 0, smoothVar = 0;
        s.Smooth(Points(100, 100));
        for (var i = 0; i < 200; i++)
        {
            var noise = (float)(rng.NextDouble() * 2 - 1);
            var o = s.Smooth(Points(100 + noise, 100));
            rawVar += noise * noise;
            smoothVar += (o[0, 0] - 100) * (o[0, 0] - 100);
        }
        Assert.True(smoothVar < rawVar / 4, $"jitter variance {smoothVar / 200:F4} vs raw {rawVar / 200:F4}");
        // A step of 50 px: within 1 px after one second of frames.
        float[,] last = Points(0, 0);
        for (var i = 0; i < 25; i++) last = s.Smooth(Points(150, 100));
        Assert.InRange(last[0, 0], 149f, 151f);
    }

    [Fact]
    public void ChangingThePointCountNeedsAReset()
    {
        var s = new LandmarkSmoother(25);
        s.Smooth(Points(1, 1));
        Assert.Throws<VivifyException>(() => s.Smooth(new float[,] { { 1, 1 } }));
        s.Reset();
        Assert.Equal(new float[,] { { 1, 1 } }, s.Smooth(new float[,] { { 1, 1 } }));
        Assert.Throws<InvalidOptionException>(() => new LandmarkSmoother(0));
    }
}
