using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Media.Tests;

public class VideoRoundTripTests
{
    private static Tensor Frame(int i, int h, int w)
    {
        // A smooth moving gradient: compresses well, so decoded frames stay close.
        var y = linspace(0, 1, h).view(1, h, 1);
        var x = linspace(0, 1, w).view(1, 1, w);
        return cat([(x + 0.05 * i).remainder(1).expand(1, h, w), y.expand(1, h, w), full(1, h, w, 0.5f)], 0);
    }

    [Theory]
    [InlineData("v.mp4", 64, 48)]
    [InlineData("v.mkv", 64, 48)]
    [InlineData("odd.mp4", 63, 47)]
    [InlineData("v.gif", 64, 48)]
    public void WrittenVideoReadsBackNFramesAtSizeAndFps(string name, int w, int h)
    {
        using var s = new MediaScratch();
        const int n = 12;
        using (var writer = new VideoWriter(s.PathOf(name), new VideoWriteOptions { FrameRate = "10" }))
        {
            for (int i = 0; i < n; i++)
            {
                using var scope = NewDisposeScope();
                writer.Write(Frame(i, h, w));
            }
            writer.Complete();
        }
        Assert.Equal([name], s.Entries());
        var src = VideoSource.Open(s.PathOf(name));
        int ew = w + (w % 2), eh = h + (h % 2);
        if (name.EndsWith(".gif", StringComparison.Ordinal)) (ew, eh) = (w, h);
        Assert.Equal((ew, eh), (src.Info.Width, src.Info.Height));
        Assert.Equal(n, src.Info.FrameCount);
        Assert.Equal(10.0, src.Info.Fps, 3);
        int count = 0;
        foreach (var f in src.Frames())
        {
            using var scope = NewDisposeScope();
            var got = f.ToTensor().narrow(1, 0, h).narrow(2, 0, w);
            var err = (got - Frame(count, h, w)).abs().mean().item<float>();
            Assert.True(err < 0.03f, $"frame {count}: mean abs error {err}");
            count++;
        }
        Assert.Equal(n, count);
    }

    [Theory]
    [InlineData("c.mp4")]
    [InlineData("c.avi")]
    [InlineData("c.mov")]
    [InlineData("c.mkv")]
    [InlineData("c.webm")]
    [InlineData("c.gif")]
    public void ReadsEveryContainerAsAStream(string name)
    {
        using var s = new MediaScratch();
        var clip = s.TestClip(name, 9, 48, 32, 20); // 20 fps: gif delays are whole centiseconds
        var src = VideoSource.Open(clip);
        Assert.Equal((48, 32, 9L), (src.Info.Width, src.Info.Height, src.Info.FrameCount));
        Assert.Equal(20.0, src.Info.Fps, 3);
        Assert.Equal(9, src.Frames().Count(f => f.Width == 48 && f.Height == 32));
    }

    [Fact]
    public void PngSequenceRoundTripIsExact()
    {
        using var s = new MediaScratch();
        var dir = s.PathOf("frames");
        using (var writer = new VideoWriter(dir))
        {
            for (int i = 0; i < 5; i++) { using var scope = NewDisposeScope(); writer.Write(Frame(i, 30, 40)); }
            writer.Complete();
        }
        Assert.Equal(["frames"], s.Entries());
        Assert.Equal(["00000.png", "00001.png", "00002.png", "00003.png", "00004.png"], Directory.GetFiles(dir).Select(f => Path.GetFileName(f)!).Order().ToArray());
        var src = VideoSource.Open(dir, folderFps: 12.5);
        Assert.Equal(5, src.Info.FrameCount);
        Assert.Equal(12.5, src.Info.Fps);
        int i2 = 0;
        foreach (var t in src.Tensors())
        {
            using var scope = NewDisposeScope();
            using var _ = t;
            TensorAssert.AllCloseAbs(Frame(i2++, 30, 40), t, 0.5 / 255 + 1e-6, "png frame");
        }
        Assert.Equal(5, i2);
    }

    [Fact]
    public void SeekByFrameAndTimeMatchesSequentialFrames()
    {
        using var s = new MediaScratch();
        var clip = s.TestClip("t.mp4", 30, 64, 48, 15);
        var src = VideoSource.Open(clip);
        var all = src.Frames().Select(f => f.Data).ToList();
        Assert.Equal(30, all.Count);
        foreach (var k in new[] { 1, 7, 16, 29 })
            Assert.Equal(all[k], src.ReadFrame(k).Data);
        Assert.Equal(all.Skip(20).Take(3), src.FramesFrom(TimeSpan.FromSeconds(20 / 15.0), 3).Select(f => f.Data));
        Assert.Equal(all.Skip(25), src.Frames(25).Select(f => f.Data));
    }

    [Fact]
    public async Task AsyncStreamGivesTheSameFrames()
    {
        using var s = new MediaScratch();
        var clip = s.TestClip("t.avi", 6, 32, 24, 5);
        var src = VideoSource.Open(clip);
        int n = 0;
        await foreach (var f in src.FramesAsync()) { Assert.Equal(32 * 24 * 3, f.Data.Length); n++; }
        Assert.Equal(6, n);
    }

    [Fact]
    public void AudioTrackOfTheDrivingVideoIsKept()
    {
        using var s = new MediaScratch();
        var driving = s.TestClip("drive.mp4", 20, 64, 48, 10, audio: true);
        Assert.NotNull(MediaProbe.Probe(driving).Audio);
        var src = VideoSource.Open(driving);
        using (var writer = new VideoWriter(s.PathOf("out.mp4"), new VideoWriteOptions { FrameRate = src.Info.FrameRate, AudioFrom = driving }))
        {
            foreach (var f in src.Frames()) writer.Write(f);
            writer.Complete();
        }
        var info = MediaProbe.Probe(s.PathOf("out.mp4"));
        Assert.NotNull(info.Audio);
        Assert.Equal("aac", info.Audio!.Codec);
        Assert.InRange(AudioSeconds(s.PathOf("out.mp4")), 1.9, 2.1);
        Assert.Equal(20, info.FrameCount);
        Assert.InRange(info.DurationSeconds, 1.9, 2.1);
    }

    private static double AudioSeconds(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("ffprobe", ["-v", "error", "-select_streams", "a:0", "-show_entries", "stream=duration", "-of", "csv=p=0", path]) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void AbandonedWriterLeavesNothing()
    {
        using var s = new MediaScratch();
        foreach (var name in new[] { "x.mp4", "x.gif", "seq" })
        {
            using var writer = new VideoWriter(s.PathOf(name));
            using var scope = NewDisposeScope();
            writer.Write(Frame(0, 16, 16));
            writer.Write(Frame(1, 16, 16));
        }
        Assert.Empty(s.Entries());
    }
}
