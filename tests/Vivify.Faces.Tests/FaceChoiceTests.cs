using Xunit;

namespace Vivify.Faces.Tests;

public class FaceChoiceTests
{
    /// <summary>A frontal-looking face: a jaw arc, the nose tip (30) half-way, the rest spread over the box.</summary>
    private static float[,] Face(double x, double y, double size, double noseAt = 0.5)
    {
        var p = new float[68, 2];
        for (var i = 0; i < 68; i++)
        {
            var a = Math.PI * i / 67;
            p[i, 0] = (float)(x + size * (0.5 - 0.5 * Math.Cos(a)));
            p[i, 1] = (float)(y + size * (0.3 + 0.6 * Math.Sin(a) * ((i % 3) + 1) / 3));
        }
        for (var i = 0; i <= 16; i++) { p[i, 0] = (float)(x + size * i / 16.0); p[i, 1] = (float)(y + size * (0.5 + 0.4 * Math.Sin(Math.PI * i / 16))); }
        p[30, 0] = (float)(x + size * noseAt);
        return p;
    }

    private static FaceResult Result(double x, double size, double noseAt = 0.5) =>
        new(new FaceDetection(0.9, x, 10, size, size), Face(x, 10, size, noseAt));

    [Fact]
    public void DefaultIsTheLargestAndFaceNCountsFromTheLeft()
    {
        var faces = new[] { Result(300, 50), Result(100, 80), Result(10, 30) };
        Assert.Equal(100, FaceChoice.Choose(faces, null, "p.jpg").Detection.X);
        Assert.Equal(10, FaceChoice.Choose(faces, 0, "p.jpg").Detection.X);
        Assert.Equal(300, FaceChoice.Choose(faces, 2, "p.jpg").Detection.X);
        var e = Assert.Throws<UsageException>(() => FaceChoice.Choose(faces, 3, "p.jpg"));
        Assert.Equal("--face 3: p.jpg has 3 faces, numbered 0 to 2 from left to right", e.Message);
    }

    [Fact]
    public void NoFaceIsAClearMessage()
    {
        var e = Assert.Throws<VivifyException>(() => FaceChoice.Choose([], null, "empty.png"));
        Assert.StartsWith("empty.png: no face found;", e.Message);
        Assert.DoesNotContain("--", e.Message); // a library names no option: not every command that finds faces has the same ones
    }

    [Fact]
    public void ProfilesAreRecognised()
    {
        Assert.Null(FaceChoice.ProfileWarning(Result(0, 100), "p.jpg"));
        Assert.Contains("in profile", FaceChoice.ProfileWarning(Result(0, 100, noseAt: 0.95), "p.jpg"));
        Assert.True(FaceChoice.IsProfile(Face(0, 0, 100, noseAt: 0.05)));
    }

    [Fact]
    public void BestFrameIsTheClosestNormalisedPose()
    {
        var source = Face(50, 50, 100, noseAt: 0.6);
        // The same pose, moved and scaled, is found whatever its place and size; frames without a face are skipped.
        float[,]?[] driving = [Face(0, 0, 80, noseAt: 0.4), null, Face(200, 30, 300, noseAt: 0.6), Face(10, 10, 100, noseAt: 0.5)];
        Assert.Equal(2, BestFrame.Find(source, driving));
        var e = Assert.Throws<VivifyException>(() => BestFrame.Find(source, [null, null], "drive.mp4"));
        Assert.StartsWith("drive.mp4: no frame shows a face", e.Message);
    }

    [Fact]
    public void NormalisationMatchesTheDemo()
    {
        // A unit square's corners: centred at 0, hull area 1, so the points are ±0.5.
        var square = new float[,] { { 0, 0 }, { 1, 0 }, { 1, 1 }, { 0, 1 } };
        Assert.Equal([-0.5, -0.5, 0.5, -0.5, 0.5, 0.5, -0.5, 0.5], BestFrame.Normalise(square));
        var scaled = new float[,] { { 10, 10 }, { 14, 10 }, { 14, 14 }, { 10, 14 } };   // area 16: divided by 4
        Assert.Equal([-0.5, -0.5, 0.5, -0.5, 0.5, 0.5, -0.5, 0.5], BestFrame.Normalise(scaled));
    }
}
