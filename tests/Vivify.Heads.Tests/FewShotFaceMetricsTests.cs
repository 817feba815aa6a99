using Vivify.Faces;
using Vivify.Media;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Heads.Tests;

/// <summary>The landmark error and CSIM of the few-shot test on face crops of the sample portraits (make setup's data).</summary>
public sealed class FewShotFaceMetricsTests
{
    private static readonly string Models = Path.Combine(Fixtures.RepoRoot, "data", "face-api", "model");

    /// <summary>The face of a sample portrait cut as the heads data are (<see cref="FaceCrop"/>), [1,3,S,S] in [0,1].</summary>
    private static Tensor Crop(string sample, int size)
    {
        using var scope = NewDisposeScope();
        var image = ImageIO.Read(Path.Combine(Fixtures.RepoRoot, "data", "samples", sample));
        using var analyzer = new FaceAnalyzer(Models);
        var face = analyzer.Detect(image).OrderByDescending(d => d.Area).First();
        return FaceCrop.Cut(image, FaceCrop.Box(face), size).unsqueeze(0).MoveToOuterDisposeScope();
    }

    [Fact]
    public void AFrameScoredAgainstItselfIsPerfectAndShiftsAndOtherPersonsAreNot()
    {
        using var scope = NewDisposeScope();
        using var metrics = new FewShotFaceMetrics(Models);
        var real = Crop("sample1.jpg", 128);

        var same = metrics.Score(real, real);
        Assert.Equal(1, same.Frames);
        Assert.Equal(0, same.LandmarkError, 6);
        Assert.Equal(1, same.Csim, 5);

        // The face moved 12 px right (edge pixels repeated): the landmarks follow it, so the error is about 12 px over
        // the eye-corner distance; the identity barely changes.
        var shifted = cat([real[.., .., .., ..1].expand(-1, -1, -1, 12), real[.., .., .., ..^12]], 3);
        var moved = metrics.Score(shifted, real);
        Assert.InRange(moved.LandmarkError, 0.08, 0.6);
        Assert.True(moved.Csim > 0.8, $"CSIM of the shifted face {moved.Csim:F4}");

        // Another person: a lower identity similarity than the shifted face.
        var other = metrics.Score(Crop("sample2.jpg", 128), real);
        Assert.True(other.Csim < moved.Csim, $"CSIM other person {other.Csim:F4}, shifted {moved.Csim:F4}");

        // Two frames scored together: means over both.
        var both = metrics.Score(cat([real, shifted]), cat([real, real]));
        Assert.Equal(2, both.Frames);
        Assert.Equal(moved.LandmarkError / 2, both.LandmarkError, 5);

        // The real frames' measures are kept between calls with equal frames and renewed when the frames change.
        Assert.Equal(moved, metrics.Score(shifted, real));

        Assert.Throws<ArgumentException>(() => metrics.Score(real, real[.., .., ..64]));
    }
}
