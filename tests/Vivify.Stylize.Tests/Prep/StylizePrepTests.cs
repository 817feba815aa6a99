using OpenCvSharp;
using Vivify.Stylize.Prep;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Stylize.Tests;

/// <summary>Input preparation: OpenCV's native runtime, optical flow, the published time-aware bilateral filter, the Gaussian-disk guide.</summary>
public sealed class StylizePrepTests
{
    /// <summary>A textured frame [3,H,W] uint8 whose content is shifted right by <paramref name="dx"/> pixels.</summary>
    private static Tensor Textured(int dx, long h = 48, long w = 64)
    {
        var ys = arange(h, dtype: ScalarType.Float32).view(h, 1).expand(h, w);
        var xs = (arange(w, dtype: ScalarType.Float32) - dx).view(1, w).expand(h, w);
        var r = ((xs * 0.45).sin() * (ys * 0.3).cos() + 1) * 120;
        var g = ((xs * 0.2 + ys * 0.25).sin() + 1) * 100;
        var b = ((ys * 0.5).sin() * (xs * 0.15).sin() + 1) * 110;
        return stack([r, g, b]).round().to(ScalarType.Byte);
    }

    [Fact]
    public void OpenCvSharpNativeRuntimeLoadsOnThisSystem()
    {
        Assert.StartsWith("4.", Cv2.GetVersionString());
        using var m = new Mat(4, 4, MatType.CV_8UC3, Scalar.All(7));
        Assert.Equal(7, m.Mean().Val0, 6);
    }

    [Fact]
    public void MatRoundTripKeepsChannelOrderAndValues()
    {
        var frame = Textured(0);
        using var mat = CvImage.ToMat(frame);
        Assert.Equal(frame[0, 5, 9].item<byte>(), mat.At<Vec3b>(5, 9).Item0);
        using var back = CvImage.FromMat(mat);
        Assert.True(back.eq(frame).all().item<bool>());
    }

    [Fact]
    public void FlowOfAShiftedFrameIsTheShift()
    {
        // frame b is frame a moved 2 px right: a pixel of a is found 2 px to the right in b.
        using var flow = OpticalFlow.Compute(Textured(0), Textured(2));
        Assert.Equal(new long[] { 48, 64, 2 }, flow.shape);
        var inner = flow[8..40, 8..56];
        Assert.Equal(2.0, inner[.., .., 0].median().item<float>(), 0.3);
        Assert.Equal(0.0, inner[.., .., 1].median().item<float>(), 0.3);
    }

    [Fact]
    public void TemporalFilterOfAStillClipIsTheFrame()
    {
        // A smooth frame: Farnebäck's flow between identical frames is not exactly 0 (up to ~0.1 px), which a smooth
        // image turns into less than one grey level.
        var ys = arange(48, dtype: ScalarType.Float32).view(48, 1).expand(48, 64);
        var xs = arange(64, dtype: ScalarType.Float32).view(1, 64).expand(48, 64);
        var f = stack([xs * 3, ys * 4, full(48, 64, 128f)]).to(ScalarType.Byte);
        using var clip = new Clip([f.clone(), f.clone(), f.clone(), f.clone()]);
        var flowMax = clip.FlowToNext(1).abs().max().item<float>();
        using var filtered = TemporalBilateral.Filter(clip, 1, range: 2);
        // Each sample equals the centre, so the weighted mean is the centre (within the 8-bit truncation of the published tool).
        var maxDiff = (filtered.to(ScalarType.Int32) - f.to(ScalarType.Int32)).abs().max().item<int>();
        Assert.True(maxDiff <= 1, $"max difference {maxDiff}, flow {flowMax}");
    }

    [Fact]
    public void TemporalFilterAveragesNoiseAlongTheMotion()
    {
        manual_seed(1);
        var clean = Enumerable.Range(0, 7).Select(i => Textured(i)).ToList();
        var noisy = clean.Select(c => (c.to(ScalarType.Float32) + randn(c.shape) * 6).clamp(0, 255).to(ScalarType.Byte)).ToList();
        using var clip = new Clip(noisy);
        using var filtered = TemporalBilateral.Filter(clip, 3, range: 3);
        double Err(Tensor t) => (t.to(ScalarType.Float32) - clean[3].to(ScalarType.Float32))[.., 6..42, 8..56].abs().mean().item<float>();
        Assert.True(Err(filtered) < 0.8 * Err(noisy[3]), $"filtered error {Err(filtered):0.00} vs noisy {Err(noisy[3]):0.00}");
    }

    [Fact]
    public void SpatialBilateralKeepsAFlatImageAndSmoothsNoise()
    {
        manual_seed(2);
        var flat = full(new long[] { 3, 32, 32 }, 100, dtype: ScalarType.Byte);
        Assert.True(SpatialBilateral.Filter(flat).eq(flat).all().item<bool>());
        var noisy = (flat.to(ScalarType.Float32) + randn(3, 32, 32) * 8).clamp(0, 255).to(ScalarType.Byte);
        var f = SpatialBilateral.Filter(noisy);
        Assert.True(f.to(ScalarType.Float32).std().item<float>() < noisy.to(ScalarType.Float32).std().item<float>() * 0.6);
    }

    [Fact]
    public void GuideDisksFollowTheMotionAndStayInsideTheMask()
    {
        var frames = Enumerable.Range(0, 4).Select(i => Textured(3 * i)).ToList();
        using var clip = new Clip(frames);
        var mask = zeros(48, 64);
        mask[.., ..32] = 1;
        var disks = new GaussDisks(clip, [(0, mask)], radius: 10, sigma: 4);
        using var g0 = disks.Render(0);
        using var g3 = disks.Render(3);
        Assert.Equal(new long[] { 3, 48, 64 }, g0.shape);
        // At the key frame the colour sits on the masked left half only (disks reach 3σ beyond their centres).
        var cols = g0.to(ScalarType.Float32).sum([0, 1]);
        Assert.True(cols[..28].sum().item<float>() > 0);
        Assert.Equal(0, cols[(32 + 12)..].sum().item<float>());
        // Three frames later the content moved 9 px right, and the disks with it.
        double Centroid(Tensor g) { var c = g.to(ScalarType.Float32).sum([0, 1]); return (c * arange(64)).sum().item<float>() / c.sum().item<float>(); }
        Assert.Equal(Centroid(g0) + 9, Centroid(g3), 2.0);
        // Deterministic: the same guide every time.
        Assert.True(new GaussDisks(clip, [(0, mask)], radius: 10, sigma: 4).Render(3).eq(g3).all().item<bool>());
    }

    [Fact]
    public void GuideFolderOfThePublishedDiscoConfigurationIsRead()
    {
        var config = StylizeConfig.Parse("training_dataset: {type: DatasetPatches_M, patch_size: 32, dir_x1: input_gdisko_gauss_r10_s10}");
        Assert.Equal("input_gdisko_gauss_r10_s10", config.TrainingDataset.DirX1);
        Assert.Null(StylizeConfig.Parse("trainer: {batch_size: 4}").TrainingDataset.DirX1);
    }

    [Fact]
    public void ToonFilterGivesFewColours()
    {
        using var toon = ToonFilter.Apply(Textured(0));
        var levels = toon.flatten().unique().Item1;
        Assert.True(levels.shape[0] <= 6, $"{levels.shape[0]} levels");
    }
}
