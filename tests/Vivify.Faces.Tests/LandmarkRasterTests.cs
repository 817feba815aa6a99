using Xunit;
using static TorchSharp.torch;

namespace Vivify.Faces.Tests;

public class LandmarkRasterTests
{
    /// <summary>A synthetic face: each part's points on its own horizontal row, 10 px apart.</summary>
    private static Tensor RowFace()
    {
        var xy = new float[68 * 2];
        foreach (var (part, row) in LandmarkRaster.Parts.Select((p, r) => (p, r)))
            for (var i = part.First; i <= part.Last; i++)
            {
                xy[2 * i] = 20 + 10 * (i - part.First);
                xy[2 * i + 1] = 20 + 20 * row;
            }
        return tensor(xy, [68L, 2L]);
    }

    [Fact]
    public void DrawsEachPartInItsColourOnABlankPicture()
    {
        using var points = RowFace();
        using var img = LandmarkRaster.Draw(points, 256, 224);
        Assert.Equal([3L, 224L, 256L], img.shape);
        Assert.Equal(0f, img[.., 5, 5].sum().item<float>());            // blank background
        foreach (var (part, row) in LandmarkRaster.Parts.Select((p, r) => (p, r)))
        {
            // Mid-way between the first two points of the part, on its row: the part's colour, exactly.
            var rgb = img[.., 20 + 20 * row, 25].mul(255f).round().to_type(ScalarType.Int32).data<int>().ToArray();
            Assert.Equal(new[] { (int)part.Color.R, part.Color.G, part.Color.B }, rgb);
        }
        Assert.Equal(0f, img[.., 20 + 20 * 0 + 10, 25].sum().item<float>()); // nothing between rows
    }

    [Fact]
    public void ClosedPartsJoinTheLastPointToTheFirst()
    {
        // A square eye (36–41 on the corners of a 40 px square, two on each of two sides) closes; the jaw stays open.
        var xy = new float[68 * 2];
        for (var i = 0; i < 68; i++) { xy[2 * i] = 200; xy[2 * i + 1] = 200; }
        float[][] eye = [[40, 40], [80, 40], [80, 60], [80, 80], [40, 80], [40, 60]];
        for (var k = 0; k < 6; k++) { xy[2 * (36 + k)] = eye[k][0]; xy[2 * (36 + k) + 1] = eye[k][1]; }
        using var points = tensor(xy, [68L, 2L]);
        using var img = LandmarkRaster.Draw(points, 256, 256, thickness: 1);
        Assert.True(img[0, 50, 40].item<float>() > 0.5f);   // the closing segment 41 → 36 on x = 40
    }

    [Fact]
    public void WrongShapeIsAClearError()
    {
        using var points = zeros(5, 2);
        var e = Assert.Throws<VivifyException>(() => LandmarkRaster.Draw(points, 10, 10));
        Assert.Contains("68 points", e.Message);
    }
}
