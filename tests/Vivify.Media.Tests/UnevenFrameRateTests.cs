using System.Globalization;
using Xunit;

namespace Vivify.Media.Tests;

/// <summary>
/// A webm timed like a live camera (MediaRecorder): no frame count, no default frame duration, frames spaced unevenly.
/// ffprobe then finds no average rate and guesses its time base, 1000/1; read as the rate, 38 frames of a 2.5 s
/// recording became a 0.04 s animation (the studio's camera test failed so under load).
/// </summary>
public class UnevenFrameRateTests
{
    /// <summary>38 frames over 2.5 s, each moved by up to 0.45 of a frame (at 15/s) from its even place.</summary>
    private static string CameraLikeWebm(MediaScratch s)
    {
        var path = s.PathOf("camera.webm");
        // settb keeps the moved times in milliseconds; -r 2000 is finer than the container's millisecond, so the muxer
        // writes no default duration (as a browser does not); passthrough keeps every frame's own time; -live 1 leaves
        // out the duration, as a browser's recording does.
        MediaScratch.Ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=15:duration=2.5", "-vf", "settb=1/1000,setpts='(N+0.45*sin(N*2.1))/15/TB'",
            "-fps_mode", "passthrough", "-r", "2000", "-c:v", "libvpx", "-b:v", "200k", "-live", "1", path);
        return path;
    }

    [Fact]
    public void An_unevenly_timed_webm_has_its_measured_average_rate_not_ffprobes_time_base()
    {
        using var s = new MediaScratch();
        var path = CameraLikeWebm(s);
        // The premise: what ffprobe itself says of this file.
        var raw = Vivify.TestSupport.FfmpegRunner.Probe("-v", "error", "-select_streams", "v:0", "-show_entries", "stream=avg_frame_rate,r_frame_rate:format=duration",
            "-of", "csv=p=0", path);
        Assert.Equal("1000/1,0/0\nN/A", raw.Trim());

        var info = MediaProbe.Probe(path);
        Assert.Equal(38, info.FrameCount);
        // First frame at 0, last at (37 + 0.45 sin(77.7)) / 15 = 2.4951 s: 37 intervals in that time.
        var last = (37 + 0.45 * Math.Sin(37 * 2.1)) / 15;
        Assert.Equal(37 / last, info.Fps, 0.01);
        Assert.Equal(38 / info.Fps, info.DurationSeconds, 1e-9); // the file gives none: the frames at their average rate
    }

    [Fact]
    public void Its_frames_written_at_the_probed_rate_last_as_long_as_the_recording()
    {
        using var s = new MediaScratch();
        var video = VideoSource.Open(CameraLikeWebm(s));
        var output = s.PathOf("out.mp4");
        using (var writer = new VideoWriter(output, new VideoWriteOptions { FrameRate = video.Info.FrameRate }))
        {
            foreach (var frame in video.Frames()) writer.Write(frame);
            writer.Complete();
        }
        var written = MediaProbe.Probe(output);
        Assert.Equal(38, written.FrameCount);
        Assert.InRange(written.DurationSeconds, 2.4, 2.7);
    }

    [Theory]
    [InlineData("0/0", "1000/1", 15.0042, "15.004")] // no average, a guessed time base: the measured average
    [InlineData("15/1", "1000/1", 15.0042, "15/1")] // an average that agrees with the timestamps is kept exactly
    [InlineData("30000/1001", "30000/1001", 29.5, "30000/1001")]
    [InlineData("60/1", "60/1", 15, "15")] // a header rate four times the frames' spacing: the frames win
    [InlineData("25/1", "25/1", 0, "25/1")] // nothing measured (a container with a frame count): ffprobe's average
    [InlineData("0/0", "24/1", 0, "24/1")] // nothing measured and no average: ffprobe's guess
    [InlineData("0/0", "0/0", 0, "25/1")] // nothing at all: 25
    public void The_rate_is_the_average_unless_the_timestamps_disagree(string average, string guessed, double measured, string expected) =>
        Assert.Equal(expected, FrameTiming.FrameRate(average, guessed, measured));

    [Theory]
    [InlineData("0/0", "1000/1", "1/1000", "25/1")] // a webm's millisecond clock, one frame: no rate
    [InlineData("0/0", "2997/125", "125/2997", "2997/125")] // an avi's clock is its frame rate
    [InlineData("0/0", "1000/1", "1/90000", "1000/1")] // not the clock: ffprobe's guess
    public void With_nothing_measured_a_guess_that_is_the_streams_clock_is_no_rate(string average, string guessed, string timeBase, string expected) =>
        Assert.Equal(expected, FrameTiming.FrameRate(average, guessed, 0, timeBase));

    [Fact]
    public void A_single_frame_webm_has_no_measured_rate()
    {
        using var s = new MediaScratch();
        var path = s.PathOf("one.webm");
        MediaScratch.Ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=15", "-frames:v", "1", "-c:v", "libvpx", path);
        var timing = FrameTiming.Of(path);
        Assert.Equal(1, timing.Packets);
        Assert.Equal(0, timing.AverageRate);
        Assert.False(timing.Uneven);
        var info = MediaProbe.Probe(path);
        Assert.Equal(1, info.FrameCount);
        Assert.Equal(15, info.Fps);
        Assert.False(info.VariableFrameRate);
    }

    /// <summary>
    /// 38 frames at 15/s with a pause of 2.5 frames after frame 9 and frames 20 on closer together (a camera that
    /// dropped frames, then sped up), in webm (no frame count) and in mp4 (a frame count, and an average rate unlike
    /// ffprobe's guess).
    /// </summary>
    [Theory]
    [InlineData("gaps.webm")]
    [InlineData("gaps.mp4")]
    public void Frames_spaced_unevenly_are_found_by_their_own_times(string name)
    {
        using var s = new MediaScratch();
        var path = Gaps(s, name);
        var video = VideoSource.Open(path);
        Assert.True(video.Info.VariableFrameRate);
        Assert.Equal(38, video.Info.FrameCount);
        Assert.Equal(name.EndsWith(".webm", StringComparison.Ordinal), video.Info.FrameCountFromPackets); // webm states no count
        Assert.Equal(38, MediaProbe.CountPackets(path));
        var all = video.Frames().ToList();
        Assert.Equal(38, all.Count);
        foreach (var k in new[] { 1, 9, 10, 11, 12, 19, 20, 21, 25, 30, 37 })
            Assert.True(all[k].Data.AsSpan().SequenceEqual(video.ReadFrame(k).Data), $"frame {k} read on its own is not the {k}th frame of the stream");
        Assert.Equal(5, video.Frames(33).Count());
        Assert.Empty(video.Frames(38));
        // By time: frame 10 is shown from (10 + 2.5) / 15 s, frame 9 until then.
        Assert.Equal(9, video.FrameAt(TimeSpan.FromSeconds(12.4 / 15)));
        Assert.Equal(10, video.FrameAt(TimeSpan.FromSeconds(12.6 / 15)));
        Assert.Equal(38, video.FrameAt(TimeSpan.FromSeconds(10)));
    }

    /// <summary>
    /// 38 frames of testsrc at 15 frames/s, with a pause of 2.5 frames before frame 10 and frames from 20 on coming
    /// closer together (0.8 of a frame apart, then less).
    /// </summary>
    private static string Gaps(MediaScratch s, string name)
    {
        var path = s.PathOf(name);
        var codec = name.EndsWith(".mp4", StringComparison.Ordinal) ? new[] { "-c:v", "libx264", "-pix_fmt", "yuv420p" } : ["-c:v", "libvpx", "-b:v", "300k", "-live", "1"];
        MediaScratch.Ffmpeg(["-f", "lavfi", "-i", "testsrc=size=64x48:rate=15:duration=2.5",
            "-vf", "settb=1/1000,setpts='(N+if(gte(N\\,10)\\,2.5\\,0)+if(gte(N\\,20)\\,-0.2*N+4\\,0))/15/TB'",
            "-fps_mode", "passthrough", "-r", "2000", .. codec, path]);
        return path;
    }

    /// <summary>
    /// Written with the timing of unevenly spaced frames (VideoWriteOptions.TimingFrom), an output at a constant rate
    /// shows at each of its frames' times the source frame shown then: held through the pause, thinned where frames
    /// come faster, as long as the source.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void An_output_with_the_timing_of_unevenly_spaced_frames_shows_each_for_its_time(int first)
    {
        using var s = new MediaScratch();
        var info = VideoSource.Open(Gaps(s, "gaps.webm")).Info;
        var source = VideoSource.Open(info.Path).Frames(first).ToList();
        var outPath = s.PathOf("timed.mkv");
        using (var writer = new VideoWriter(outPath, new VideoWriteOptions { FrameRate = info.FrameRate, TimingFrom = info, TimingFromFrame = first, Crf = 0 }))
        {
            foreach (var frame in source) writer.Write(frame);
            writer.Complete();
        }
        var written = VideoSource.Open(outPath).Frames().ToList();
        var rate = info.Fps;
        double Time(int k) => (info.TimeOf(first + k) - info.TimeOf(first)).TotalSeconds;
        var span = Time(source.Count - 1);
        Assert.InRange(written.Count, Math.Round(span * rate), Math.Round(span * rate) + 1); // as long as the source
        var held = 0;
        for (var j = 0; j < written.Count; j++)
        {
            // The source frame shown at the output frame's time (to the nearest output frame).
            var k = Enumerable.Range(0, source.Count).Last(i => i == 0 || Math.Round(Time(i) * rate, MidpointRounding.AwayFromZero) <= j);
            var nearest = Enumerable.Range(Math.Max(0, k - 2), Math.Min(source.Count, k + 3) - Math.Max(0, k - 2))
                .MinBy(i => Difference(written[j], source[i]));
            Assert.True(nearest == k, $"output frame {j} ({j / rate:F3} s) shows source frame {first + nearest}, not {first + k}");
            if (first + k == 9) held++;
        }
        if (first == 0) Assert.InRange(held, 3, 4); // frame 9 held through the pause of 2.5 frames
        Assert.True(written.Count < source.Count + 3, "frames coming faster are thinned, not all kept");
    }

    [Fact]
    public void A_single_frame_shown_only_briefly_still_makes_a_video()
    {
        using var s = new MediaScratch();
        var path = s.PathOf("burst.webm"); // 20 frames at 15 frames/s, then 18 in a burst 0.3 of a frame apart
        MediaScratch.Ffmpeg(["-f", "lavfi", "-i", "testsrc=size=64x48:rate=15:duration=2.5",
            "-vf", "settb=1/1000,setpts='(N-if(gte(N\\,20)\\,0.7*(N-20)\\,0))/15/TB'",
            "-fps_mode", "passthrough", "-r", "2000", "-c:v", "libvpx", "-b:v", "300k", "-live", "1", path]);
        var info = VideoSource.Open(path).Info;
        Assert.True(info.VariableFrameRate);
        var video = VideoSource.Open(path);
        foreach (var first in new[] { 22, 30 }) // in the burst: shown for less than half a frame of the average rate
        {
            var outPath = s.PathOf($"one-{first}.mp4");
            using (var writer = new VideoWriter(outPath, new VideoWriteOptions { FrameRate = info.FrameRate, TimingFrom = info, TimingFromFrame = first }))
            {
                writer.Write(video.ReadFrame(first));
                writer.Complete();
            }
            Assert.Equal(1, MediaProbe.Probe(outPath).FrameCount);
        }
    }

    private static double Difference(RgbFrame a, RgbFrame b)
    {
        long sum = 0;
        for (var i = 0; i < a.Data.Length; i++) sum += Math.Abs(a.Data[i] - b.Data[i]);
        return (double)sum / a.Data.Length;
    }

    [Fact]
    public void Frames_at_an_even_rate_are_not_timed_one_by_one()
    {
        using var s = new MediaScratch();
        Assert.False(VideoSource.Open(s.TestClip("even.mp4", 20, 64, 48, 10)).Info.VariableFrameRate);
        Assert.False(VideoSource.Open(s.TestClip("even.webm", 20, 64, 48, 10)).Info.VariableFrameRate);
        Assert.False(MediaProbe.Probe(MediaScratch.Sample("Megamind.avi")).VariableFrameRate);
    }
}
