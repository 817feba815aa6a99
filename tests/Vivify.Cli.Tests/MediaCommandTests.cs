using Vivify.Media;
using Xunit;

namespace Vivify.Cli.Tests;

public class MediaCommandTests
{
    [Fact]
    public void ProbeShowsSizeFpsFramesAndAudio()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("a.mp4", 15);
        var (code, o, e) = h.Run("media", "probe", clip);
        Assert.True(code == 0, e);
        Assert.Contains("size       64x48", o);
        Assert.Contains("fps        10 (10/1)", o);
        Assert.Contains("frames     15", o);
        Assert.Contains("audio      aac, 44100 Hz, 1 channel", o);
    }

    [Fact]
    public void ComposeMakesALabelledPreviewThatKeepsTheDrivingAudio()
    {
        using var h = new CliHarness();
        var face = h.Picture("face.png");
        var drive = h.ClipWithAudio("drive.mp4", 12);
        var (code, _, e) = h.Run("media", "compose", face, drive, drive, "-o", h.PathOf("out.mp4"), "--labels", "source,driving,result", "--height", "48");
        Assert.True(code == 0, e);
        var info = MediaProbe.Probe(h.PathOf("out.mp4"));
        Assert.Equal(12, info.FrameCount);
        Assert.Equal(10.0, info.Fps, 3);
        Assert.Equal(64 * 3 + 2 * SideBySide.Gap, info.Width);
        Assert.Equal((48 + BitmapFont.GlyphHeight + 6 + 1) / 2 * 2, info.Height); // odd heights are padded to even for yuv420p
        Assert.NotNull(info.Audio);
        Assert.Contains("compose: 12 frames in", e);
        Assert.Equal(["drive.mp4", "face.png", "out.mp4"], h.Entries());
    }

    [Fact]
    public void ComposeOfPicturesWritesOnePicture()
    {
        using var h = new CliHarness();
        var a = h.Picture("a.png");
        var b = h.Picture("b.jpg", 80, 60);
        var (code, _, e) = h.Run("media", "compose", a, b, "-o", h.PathOf("both.png"), "--height", "30", "-q");
        Assert.True(code == 0, e);
        Assert.Equal("", e);
        using var img = ImageIO.Read(h.PathOf("both.png"));
        Assert.Equal(new long[] { 3, 30, 40 + SideBySide.Gap + 40 }, img.shape);
    }

    [Fact]
    public void ConvertCutsResizesAndKeepsAlignedAudio()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("in.mp4", 30);
        var (code, _, e) = h.Run("media", "convert", clip, "-o", h.PathOf("cut.mp4"), "--start", "5", "--frames", "10", "--square", "--size", "32x32");
        Assert.True(code == 0, e);
        var info = MediaProbe.Probe(h.PathOf("cut.mp4"));
        Assert.Equal((32, 32, 10L), (info.Width, info.Height, info.FrameCount));
        Assert.NotNull(info.Audio);
        Assert.InRange(info.DurationSeconds, 0.9, 1.1);

        (code, _, e) = h.Run("media", "convert", clip, "-o", h.PathOf("frames"), "--frames", "4");
        Assert.True(code == 0, e);
        Assert.Equal(4, Directory.GetFiles(h.PathOf("frames"), "0000?.png").Length);
        (code, var o, e) = h.Run("media", "probe", h.PathOf("frames"), "--fps", "10");
        Assert.True(code == 0, e);
        Assert.Contains("frames     4", o);
        Assert.Contains("kind       frames (directory)", o);

        (code, _, e) = h.Run("media", "convert", h.PathOf("frames"), "-o", h.PathOf("again.gif"), "--fps", "10");
        Assert.True(code == 0, e);
        Assert.Equal(4, MediaProbe.Probe(h.PathOf("again.gif")).FrameCount);
    }

    [Fact]
    public void SeekedFramesMatchTheSourceFrame()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("in.mp4", 20);
        var (code, _, e) = h.Run("media", "convert", clip, "-o", h.PathOf("f7.png"), "--start", "7");
        Assert.True(code == 0, e);
        var expected = VideoSource.Open(clip).Frames().Skip(7).First();
        var got = ImageIO.ReadFrame(h.PathOf("f7.png"));
        Assert.Equal(expected.Data, got.Data);
    }
}
