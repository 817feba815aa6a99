using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Media.Tests;

public class GeometryTests
{
    [Fact]
    public void Convex_hull_area_of_a_square_with_inner_and_collinear_points()
    {
        var pts = new List<(double, double)> { (0, 0), (2, 0), (2, 2), (0, 2), (1, 1), (1, 0), (0.5, 1.5), (2, 2) };
        Assert.Equal(4.0, ConvexHull.Area(pts), 12);
        Assert.Equal(0.5, ConvexHull.Area([(0, 0), (1, 0), (0, 1)]), 12);
        Assert.Equal(0.0, ConvexHull.Area([(0, 0), (1, 1), (2, 2)]), 12);
        Assert.Equal(0.0, ConvexHull.Area([(0, 0), (1, 1)]), 12);
    }

    [Fact]
    public void AreaShrinkAveragesBlocks()
    {
        using var scope = NewDisposeScope();
        var img = arange(48f).view(3, 4, 4);
        var r = Geometry.Resize(img, 2, 2, ResizeMode.Area);
        var expected = nn.functional.avg_pool2d(img.unsqueeze(0), 2)[0];
        TensorAssert.AllCloseAbs(expected, r, 1e-6, "area");
    }

    [Fact]
    public void BilinearMatchesHalfPixelCentres()
    {
        using var scope = NewDisposeScope();
        var img = tensor(new float[] { 0, 1 }).view(1, 1, 2);
        var r = Geometry.Resize(img, 1, 4, ResizeMode.Bilinear);
        TensorAssert.AllCloseAbs(tensor(new float[] { 0, 0.25f, 0.75f, 1 }).view(1, 1, 4), r, 1e-6, "bilinear");
        Assert.Equal(new long[] { 2, 3, 10, 20 }, Geometry.Resize(rand(2, 3, 5, 7), 10, 20).shape);
    }

    [Fact]
    public void CropPadAndCenterSquare()
    {
        using var scope = NewDisposeScope();
        var img = arange(60f).view(3, 4, 5);
        var c = Geometry.Crop(img, 1, 2, 2, 3);
        Assert.Equal(new long[] { 3, 2, 3 }, c.shape);
        Assert.Equal(7f, c[0, 0, 0].item<float>());
        var p = Geometry.Pad(img, 1, 2, 3, 4, value: 1);
        Assert.Equal(new long[] { 3, 7, 12 }, p.shape);
        Assert.Equal(1f, p[0, 0, 0].item<float>());
        Assert.Equal(0f, p[0, 1, 3].item<float>());
        Assert.Equal(new long[] { 3, 4, 4 }, Geometry.CenterSquare(img).shape);
        Assert.Throws<ArgumentOutOfRangeException>(() => Geometry.Crop(img, 3, 0, 2, 2));
    }

    [Fact]
    public void SideBySideScalesPanelsAndDrawsLabels()
    {
        using var scope = NewDisposeScope();
        var a = zeros(3, 64, 64);
        var b = zeros(3, 32, 64);
        var plain = SideBySide.Compose([a, b], 64);
        Assert.Equal(new long[] { 3, 64, 64 + SideBySide.Gap + 128 }, plain.shape);
        var labelled = SideBySide.Compose([a, b], 64, ["SOURCE", "driving"]);
        var bar = BitmapFont.GlyphHeight + 6;
        Assert.Equal(new long[] { 3, 64 + bar, 64 + SideBySide.Gap + 128 }, labelled.shape);
        var barPixels = labelled.narrow(1, 0, bar);
        Assert.True(barPixels.max().item<float>() == 1f, "label text is drawn in white");
        Assert.True(labelled.narrow(1, bar, 64).narrow(2, 0, 64).max().item<float>() == 0f, "panels stay untouched");
    }

    [Fact]
    public void BitmapFontDrawsKnownGlyph()
    {
        using var scope = NewDisposeScope();
        var img = zeros(3, 9, 7);
        BitmapFont.Draw(img, "I", 1, 1, 1, (1f, 0f, 0f));
        // 'I' is 0x0E, then six rows of 0x04: top row pixels at x = 2,3,4; the stem at x = 3.
        Assert.Equal(new float[] { 0, 0, 1, 1, 1, 0, 0 }, img[0, 1].data<float>().ToArray());
        Assert.Equal(new float[] { 0, 0, 0, 1, 0, 0, 0 }, img[0, 4].data<float>().ToArray());
        Assert.Equal(0f, img[1].sum().item<float>());
        Assert.Equal(22, BitmapFont.Measure("AB", 2));
    }
}
