using System.Diagnostics;
using Xunit;

namespace Vivify.Media.Tests;

/// <summary>A video cut short with `head -c` (its index at the front, so it still opens): used, and said to be truncated.</summary>
public class TruncatedVideoTests
{
    /// <summary>An ffmpeg-encoded clip with its index first (+faststart, as Vivify writes mp4), and its first half made with head -c.</summary>
    internal static string HalfClip(MediaScratch s, int frames)
    {
        var full = s.PathOf("full.mp4");
        var seconds = (frames / 10.0).ToString(System.Globalization.CultureInfo.InvariantCulture);
        MediaScratch.Ffmpeg("-f", "lavfi", "-i", $"testsrc=size=64x48:rate=10:duration={seconds}", "-c:v", "libx264", "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", full);
        var half = s.PathOf("half.mp4");
        var psi = new ProcessStartInfo("bash", ["-c", $"head -c {new FileInfo(full).Length / 2} '{full}' > '{half}'"]);
        using (var p = Process.Start(psi)!) p.WaitForExit();
        return half;
    }

    [Fact]
    public void ReadingToTheEndWarnsWithFramesReadAndAnnounced()
    {
        using var s = new MediaScratch();
        var half = HalfClip(s, 60);
        var video = VideoSource.Open(half);
        Assert.Equal(60, video.Info.FrameCount); // what the container announces
        var warnings = new List<string>();
        int read;
        using (MediaWarnings.To(warnings.Add)) read = video.Frames().Count();
        Assert.InRange(read, 1, 59);
        var w = Assert.Single(warnings);
        Assert.Contains("truncated", w);
        Assert.Contains($"{read} frames could be read of the 60", w);
        Assert.Contains(half, w);

        // A part that ends before the cut, and a whole file: no warning.
        warnings.Clear();
        using (MediaWarnings.To(warnings.Add))
        {
            Assert.Equal(5, video.Frames(0, 5).Count());
            Assert.Equal(60, VideoSource.Open(s.PathOf("full.mp4")).Frames().Count());
        }
        Assert.Empty(warnings);
    }

    /// <summary>
    /// An avi cut short between two frames: ffmpeg stops at the cut without a word, so the short read is known by the
    /// packets left against the header's count (Megamind.avi's first half with head -c: 128 of 270 frames, used silently before).
    /// </summary>
    [Fact]
    public void AnAviCutShortWarnsThoughFfmpegSaysNothing()
    {
        using var s = new MediaScratch();
        var full = s.PathOf("full.avi");
        MediaScratch.Ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=6", "-c:v", "mpeg4", "-q:v", "5", full);
        // Cut right after the 30th packet: no frame is cut in two, so the decoder has nothing to complain of.
        var half = s.PathOf("half.avi");
        var cut = $"ffprobe -v error -select_streams v:0 -show_entries packet=pos,size -of csv=p=0 '{full}' | sed -n 30p | awk -F, '{{print $1 + $2}}'";
        var psi = new ProcessStartInfo("bash", ["-c", $"head -c $({cut}) '{full}' > '{half}' && ffmpeg -nostdin -v error -i '{half}' -f null - 2>&1"])
        {
            RedirectStandardOutput = true,
        };
        using (var p = Process.Start(psi)!)
        {
            Assert.Equal("", p.StandardOutput.ReadToEnd()); // ffmpeg reads it without a word
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
        }
        var video = VideoSource.Open(half);
        Assert.Equal(60, video.Info.FrameCount); // the header's count
        var warnings = new List<string>();
        int read;
        using (MediaWarnings.To(warnings.Add)) read = video.Frames().Count();
        Assert.Equal(30, read);
        Assert.Contains($"{half}: the video is truncated or damaged: 30 frames could be read of the 60", Assert.Single(warnings));

        warnings.Clear();
        using (MediaWarnings.To(warnings.Add)) Assert.Equal(60, VideoSource.Open(full).Frames().Count());
        Assert.Empty(warnings);
    }

    [Fact]
    public void PacketsAndDecodableFramesCountWhatIsThere()
    {
        using var s = new MediaScratch();
        var half = HalfClip(s, 60);
        var read = VideoSource.Open(half).Frames().Count();
        Assert.InRange(MediaProbe.CountPackets(half), read, 59);
        Assert.Equal(read, MediaProbe.CountDecodableFrames(half));
        Assert.Equal(60, MediaProbe.CountPackets(s.PathOf("full.mp4")));
    }
}
