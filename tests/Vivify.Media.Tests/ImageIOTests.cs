using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Media.Tests;

public class ImageIOTests
{
    [Fact]
    public void PngRoundTripIsWithinOneLevel()
    {
        using var s = new MediaScratch();
        using var scope = NewDisposeScope();
        manual_seed(1);
        var img = rand(3, 37, 53);
        ImageIO.Write(s.PathOf("a.png"), img);
        var back = ImageIO.Read(s.PathOf("a.png"));
        TensorAssert.AllCloseAbs(img, back, 0.5 / 255 + 1e-6, "png round trip");
        Assert.Equal(["a.png"], s.Entries());
    }

    [Fact]
    public void JpgRoundTripIsClose()
    {
        using var s = new MediaScratch();
        using var scope = NewDisposeScope();
        var img = nn.functional.interpolate(rand(1, 3, 8, 8), [64, 64], mode: InterpolationMode.Bilinear)[0];
        ImageIO.Write(s.PathOf("a.jpg"), img);
        var back = ImageIO.Read(s.PathOf("a.jpg"));
        Assert.Equal(new long[] { 3, 64, 64 }, back.shape);
        Assert.True((back - img).abs().mean().item<float>() < 0.02f);
    }

    [Theory]
    [InlineData("bmp")]
    [InlineData("webp")]
    [InlineData("gif")]
    public void ReadsOtherFormats(string ext)
    {
        using var s = new MediaScratch();
        using var scope = NewDisposeScope();
        var img = zeros(3, 20, 30);
        img[0].fill_(1f); // pure red survives every format
        ImageIO.Write(s.PathOf("a.png"), img);
        // Lossless settings, so only our reader is under test (gif: a generated palette holds the exact colours).
        var extra = ext switch
        {
            "webp" => new[] { "-lossless", "1" },
            "gif" => ["-vf", "split[a][b];[a]palettegen[p];[b][p]paletteuse"],
            _ => [],
        };
        MediaScratch.Ffmpeg(["-i", s.PathOf("a.png"), .. extra, s.PathOf("a." + ext)]);
        var back = ImageIO.Read(s.PathOf("a." + ext));
        TensorAssert.AllCloseAbs(img, back, 0.5 / 255, ext);
    }

    [Fact]
    public void GifGivesItsFirstFrame()
    {
        using var s = new MediaScratch();
        var gif = s.TestClip("t.gif", 5, 40, 30, 10);
        using var scope = NewDisposeScope();
        var first = ImageIO.Read(gif);
        var viaVideo = VideoSource.Open(gif).ReadFrame(0).ToTensor();
        TensorAssert.AllCloseAbs(viaVideo, first, 0, "gif frame 0");
    }

    [Fact]
    public void SamplePortraitReads()
    {
        using var scope = NewDisposeScope();
        var img = ImageIO.Read(MediaScratch.Sample("messi5.jpg"));
        Assert.Equal(3, img.shape[0]);
        Assert.True(img.min().item<float>() >= 0 && img.max().item<float>() <= 1);
        Assert.Equal(new long[] { 3, 342, 548 }, img.shape);
        Assert.Equal(3, ImageIO.Read(MediaScratch.Sample("sample1.jpg")).shape[0]);
    }
}
