using Xunit;

namespace Vivify.Heads.Tests;

public class RetargetTests
{
    [Fact]
    public void FitRecoversAKnownSimilarity()
    {
        var d0 = SyntheticLandmarks.Face(120, 90, 40, 50);
        var s = Similarity2D.FromScaleAngle(1.7, 0.3, -35, 12.5);
        var fit = Similarity2D.Fit(d0, s.Apply(d0));
        Assert.Equal(1.7, fit.Scale, 5);
        Assert.Equal(0.3, fit.Angle, 5);
        Assert.Equal(-35, fit.Tx, 3);
        Assert.Equal(12.5, fit.Ty, 3);
    }

    [Fact]
    public void ATargetThatIsASimilarityImageOfTheReferenceGetsEveryDrivingFrameThroughIt()
    {
        var d0 = SyntheticLandmarks.Face(300, 200, 80, 100);
        var s = Similarity2D.FromScaleAngle(0.25, -0.2, 10, 4);
        var retarget = new Retarget(d0, s.Apply(d0));
        var dt = SyntheticLandmarks.Face(310, 195, 82, 98, mouthOpen: 0.3);
        var expected = s.Apply(dt);
        var actual = retarget.Map(dt);
        for (int i = 0; i < 68; i++)
        {
            Assert.Equal(expected[i, 0], actual[i, 0], 2);
            Assert.Equal(expected[i, 1], actual[i, 1], 2);
        }
    }

    [Fact]
    public void TheDrivingExpressionIsTransferredAsScaledRotatedDisplacementsOntoTheTargetsShape()
    {
        // Driving: a round face 3x the target's size; target: a narrow face of its own shape, tilted.
        var d0 = SyntheticLandmarks.Face(300, 300, 90, 90);
        var dt = SyntheticLandmarks.Face(300, 300, 90, 90, mouthOpen: 0.4);
        var tilt = Similarity2D.FromScaleAngle(1, 0.1, 0, 0);
        var target = tilt.Apply(SyntheticLandmarks.Face(32, 34, 22, 30));
        var retarget = new Retarget(d0, target);
        var z = retarget.Transform;
        var y0 = retarget.Map(d0);
        var yt = retarget.Map(dt);
        for (int i = 0; i < 68; i++)
        {
            // At the reference frame the target keeps its own shape.
            Assert.Equal(target[i, 0], y0[i, 0], 4);
            Assert.Equal(target[i, 1], y0[i, 1], 4);
            // Afterwards each point moves by z·(dₜ − d₀).
            var (ex, ey) = z.ApplyLinear(dt[i, 0] - d0[i, 0], dt[i, 1] - d0[i, 1]);
            Assert.Equal(target[i, 0] + ex, yt[i, 0], 3);
            Assert.Equal(target[i, 1] + ey, yt[i, 1], 3);
        }
        // Only the lips move; the opening is scaled down to the target's size.
        for (int i = 0; i < 48; i++) Assert.Equal(target[i, 1], yt[i, 1], 4);
        double drivingOpening = (dt[66, 1] - dt[62, 1]) - (d0[66, 1] - d0[62, 1]);
        double targetOpening = Math.Sqrt(Math.Pow(yt[66, 0] - yt[62, 0], 2) + Math.Pow(yt[66, 1] - yt[62, 1], 2))
                               - Math.Sqrt(Math.Pow(target[66, 0] - target[62, 0], 2) + Math.Pow(target[66, 1] - target[62, 1], 2));
        Assert.InRange(z.Scale, 0.2, 0.35);
        Assert.Equal(drivingOpening * z.Scale, targetOpening, 3);
        Assert.Equal(0.1, z.Angle, 2);
    }

    [Fact]
    public void LandmarkErrorIsTheMeanDistanceOverTheInterOcularDistance()
    {
        var a = SyntheticLandmarks.Face(50, 50, 20, 25);
        var b = (float[,])a.Clone();
        for (int i = 0; i < 68; i++) b[i, 0] += 3;
        var iod = a[45, 0] - a[36, 0];
        Assert.Equal(3 / iod, HeadsMetrics.LandmarkError(b, a), 5);
        Assert.Equal(0, HeadsMetrics.LandmarkError(a, a), 9);
    }

    [Fact]
    public void RetargetingIsLeftOffOnlyForAClearlySameFaceOrWhenAskedTo()
    {
        // Descriptors at known Euclidean distances from the person's.
        static TorchSharp.torch.Tensor At(float x) { var v = new float[128]; v[0] = x; return TorchSharp.torch.tensor(v); }
        using var person = At(0);
        using var near = At(0.3f);
        using var unclear = At(0.57f);
        using var far = At(0.8f);
        Assert.False(HeadsAnimator.DecideRetarget(null, person, near).Retarget);
        // Below face-api's 0.6 but not clearly the person (a cartoon face was 0.57 from a photograph): retarget.
        var (on, why) = HeadsAnimator.DecideRetarget(null, person, unclear);
        Assert.True(on);
        Assert.Contains("not clearly the fine-tuned person: descriptor distance 0.57", why);
        Assert.True(HeadsAnimator.DecideRetarget(null, person, far).Retarget);
        Assert.True(HeadsAnimator.DecideRetarget(null, null, far).Retarget);
        Assert.True(HeadsAnimator.DecideRetarget(null, person, null).Retarget);
        Assert.Equal((false, "as asked"), HeadsAnimator.DecideRetarget(false, person, far));
        Assert.True(HeadsAnimator.DecideRetarget(true, person, near).Retarget);
    }
}
