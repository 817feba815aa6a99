using System.Text.Json;
using Vivify.Media;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Cli.Tests;

public class FacesCommandTests
{
    private static string Sample1 => Path.Combine(Fixtures.RepoRoot, "data", "samples", "sample1.jpg");

    /// <summary>sample1.jpg (three faces) scaled to 480×320, written as <paramref name="name"/>.</summary>
    private static Tensor SmallSample()
    {
        using var img = ImageIO.Read(Sample1).unsqueeze(0);
        using var small = nn.functional.interpolate(img, [320, 480], mode: InterpolationMode.Area);
        return small[0].clone();
    }

    [Fact]
    public void LandmarksOfAPictureWriteAnOverlayAndJson()
    {
        using var h = new CliHarness();
        using (var small = SmallSample()) ImageIO.Write(h.PathOf("people.png"), small);
        var (code, _, e) = h.Run("faces", "landmarks", h.PathOf("people.png"), "-o", h.PathOf("out.png"));
        Assert.True(code == 0, e);
        Assert.Contains("faces landmarks: 1 frame, faces in 1", e);
        var overlay = ImageIO.ReadFrame(h.PathOf("out.png"));
        Assert.Equal((480, 320), (overlay.Width, overlay.Height));
        using var doc = JsonDocument.Parse(File.ReadAllText(h.PathOf("out.json")));
        Assert.Equal("full", doc.RootElement.GetProperty("landmarks").GetString());
        var faces = doc.RootElement.GetProperty("frames")[0].GetProperty("faces");
        Assert.Equal(3, faces.GetArrayLength());
        foreach (var f in faces.EnumerateArray())
        {
            Assert.InRange(f.GetProperty("score").GetDouble(), 0.5, 1.0);
            var box = f.GetProperty("box");
            double x = box.GetProperty("x").GetDouble(), y = box.GetProperty("y").GetDouble();
            double w = box.GetProperty("width").GetDouble(), hh = box.GetProperty("height").GetDouble();
            var pts = f.GetProperty("landmarks");
            Assert.Equal(68, pts.GetArrayLength());
            // The nose tip (30) lies inside its face box.
            Assert.InRange(pts[30][0].GetDouble(), x, x + w);
            Assert.InRange(pts[30][1].GetDouble(), y, y + hh);
        }
        Assert.Equal(["out.json", "out.png", "people.png"], h.Entries());
    }

    [Fact]
    public void DetectOnAVideoListsEveryFrame()
    {
        using var h = new CliHarness();
        using (var small = SmallSample())
        using (var writer = new VideoWriter(h.PathOf("clip.mp4"), new VideoWriteOptions { FrameRate = "5" }))
        {
            for (var i = 0; i < 3; i++) writer.Write(small);
            writer.Complete();
        }
        var (code, _, e) = h.Run("faces", "detect", h.PathOf("clip.mp4"), "-o", h.PathOf("boxes.mp4"), "--detector", "tiny");
        Assert.True(code == 0, e);
        Assert.Equal(3, MediaProbe.Probe(h.PathOf("boxes.mp4")).FrameCount);
        using var doc = JsonDocument.Parse(File.ReadAllText(h.PathOf("boxes.json")));
        var frames = doc.RootElement.GetProperty("frames");
        Assert.Equal(3, frames.GetArrayLength());
        Assert.All(frames.EnumerateArray(), f => Assert.True(f.GetProperty("faces").GetArrayLength() >= 1));
        Assert.False(frames[0].GetProperty("faces")[0].TryGetProperty("landmarks", out _));
    }

    [Fact]
    public void CropCutsEachFaceSegmentToASquare()
    {
        using var h = new CliHarness();
        using (var small = SmallSample())
        using (var writer = new VideoWriter(h.PathOf("clip.mp4"), new VideoWriteOptions { FrameRate = "5" }))
        {
            for (var i = 0; i < 6; i++) writer.Write(small);
            writer.Complete();
        }
        var (code, _, e) = h.Run("faces", "crop", "--video", h.PathOf("clip.mp4"), "-o", h.PathOf("crop.mp4"), "--size", "64", "--min-frames", "5", "--detector", "tiny");
        Assert.True(code == 0, e);
        var outputs = h.Entries().Where(n => n.StartsWith("crop", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(outputs);
        Assert.Equal(outputs.Count, e.Split('\n').Count(l => l.StartsWith("faces crop: wrote ", StringComparison.Ordinal)));
        foreach (var o in outputs)
        {
            var info = MediaProbe.Probe(h.PathOf(o));
            Assert.Equal((64, 64, 6L), (info.Width, info.Height, info.FrameCount));
        }
        (code, _, e) = h.Run("faces", "crop", "--video", h.PathOf("clip.mp4"), "-o", h.PathOf("none.mp4"), "--min-frames", "20", "--detector", "tiny");
        Assert.Equal(1, code);
        Assert.Contains("no face stays in view for 20 frames in a row", e);
    }

    [Fact]
    public void BadOptionsAreUsageErrors()
    {
        using var h = new CliHarness();
        var pic = h.Picture("p.png");
        var (code, _, e) = h.Run("faces", "detect", pic, "-o", h.PathOf("o.png"), "--detector", "yolo");
        Assert.Equal(2, code);
        Assert.Contains("--detector 'yolo': choose ssd or tiny", e);
        (code, _, e) = h.Run("faces", "detect", pic, "-o", h.PathOf("o.mp4"));
        Assert.Equal(2, code);
        Assert.Contains("the input is a picture", e);
        (code, _, e) = h.Run("faces", "detect", pic, "-o", h.PathOf("o.png"), "--models", h.PathOf("none"));
        Assert.Equal(1, code);
        Assert.Contains("the face-api networks are not there; run make setup", e);
    }
}
