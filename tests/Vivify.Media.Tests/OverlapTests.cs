using Xunit;

namespace Vivify.Media.Tests;

/// <summary>Prefetch and BackgroundVideoWriter: the same frames and errors as working in line, with the work moved to other threads.</summary>
public class OverlapTests
{
    private static RgbFrame Frame(byte value, int w = 8, int h = 6) => new(w, h, Enumerable.Repeat(value, w * h * 3).ToArray());

    [Fact]
    public void Prefetch_yields_everything_in_order_and_produces_ahead_of_the_consumer()
    {
        var produced = 0;
        IEnumerable<int> Source()
        {
            for (var i = 0; i < 20; i++)
            {
                Interlocked.Increment(ref produced);
                yield return i;
            }
        }
        using var e = Prefetch.Ahead(Source(), capacity: 3).GetEnumerator();
        Assert.True(e.MoveNext());
        Assert.Equal(0, e.Current);
        // While the consumer holds item 0, the producer fills the queue: items 1, 2, 3, and 4 waiting for room.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref produced) < 5 && DateTime.UtcNow < deadline) Thread.Sleep(5);
        Assert.Equal(5, Volatile.Read(ref produced));
        var rest = new List<int>();
        while (e.MoveNext()) rest.Add(e.Current);
        Assert.Equal(Enumerable.Range(1, 19), rest);
    }

    [Fact]
    public void A_producer_error_reaches_the_consumer_after_the_items_before_it_and_stopping_early_disposes_the_producer()
    {
        IEnumerable<int> Failing()
        {
            yield return 1;
            yield return 2;
            throw new VivifyException("clip.mp4: the video is corrupt");
        }
        var seen = new List<int>();
        var e = Assert.Throws<VivifyException>(() => { foreach (var i in Prefetch.Ahead(Failing(), 4)) seen.Add(i); });
        Assert.Equal("clip.mp4: the video is corrupt", e.Message);
        Assert.Equal([1, 2], seen);

        var disposed = false;
        IEnumerable<int> Endless()
        {
            try { for (var i = 0; ; i++) yield return i; }
            finally { disposed = true; }
        }
        Assert.Equal([0, 1, 2], Prefetch.Ahead(Endless(), 2).Take(3).ToArray());
        Assert.True(disposed, "the producer's enumerator (an ffmpeg run) is disposed when the consumer stops");

        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Prefetch.Ahead(Endless(), 2, cancel.Token).ToList());
    }

    [Fact]
    public void A_started_prefetch_produces_before_anyone_asks_and_stops_when_disposed_unused()
    {
        var produced = 0;
        var disposed = false;
        IEnumerable<int> Source()
        {
            try
            {
                for (var i = 0; i < 100; i++)
                {
                    Interlocked.Increment(ref produced);
                    yield return i;
                }
            }
            finally { Volatile.Write(ref disposed, true); }
        }
        using (var started = Prefetch.Start(Source(), capacity: 3))
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Volatile.Read(ref produced) < 4 && DateTime.UtcNow < deadline) Thread.Sleep(5);
            Assert.Equal(4, Volatile.Read(ref produced)); // 3 queued and one waiting for room, nothing consumed
        }
        Assert.True(Volatile.Read(ref disposed), "disposing an unused prefetch stops and disposes its producer (an ffmpeg run)");

        using var once = Prefetch.Start(Enumerable.Range(0, 10), capacity: 2);
        Assert.Equal(Enumerable.Range(0, 10), once.ToList());
        Assert.Throws<InvalidOperationException>(() => once.ToList()); // one enumeration
    }

    [Fact]
    public void A_video_decoded_ahead_gives_the_same_frames_and_decodes_other_ranges_itself()
    {
        using var s = new MediaScratch();
        var dir = s.PathOf("frames");
        using (var writer = new VideoWriter(dir))
        {
            for (byte i = 0; i < 5; i++) writer.Write(Frame((byte)(50 * i)));
            writer.Complete();
        }
        var video = VideoSource.Open(dir);
        using var ahead = video.DecodeAhead(capacity: 2);
        Assert.Equal(video.Info.FrameCount, ahead.Info.FrameCount);
        Assert.Equal([100, 150], ahead.Frames(2, 2).Select(f => (int)f.Data[0]).ToArray()); // decoded by the video itself
        Assert.Equal([0, 50, 100, 150, 200], ahead.Frames().Select(f => (int)f.Data[0]).ToArray()); // the early stream
        Assert.Equal([0, 50, 100, 150, 200], ahead.Frames().Select(f => (int)f.Data[0]).ToArray()); // decoded again
    }

    [Fact]
    public void A_background_writer_writes_the_same_frames_and_leaves_nothing_when_disposed_early()
    {
        using var s = new MediaScratch();
        var dir = s.PathOf("frames");
        using (var writer = new BackgroundVideoWriter(new VideoWriter(dir), capacity: 2))
        {
            for (byte i = 0; i < 6; i++) writer.Write(Frame((byte)(40 * i)));
            Assert.Equal(6, writer.FramesWritten);
            writer.Complete();
        }
        var frames = VideoSource.Open(dir).Frames().ToList();
        Assert.Equal(6, frames.Count);
        for (var i = 0; i < 6; i++) Assert.Equal(Frame((byte)(40 * i)).Data, frames[i].Data);

        var partial = s.PathOf("partial.mp4");
        using (var writer = new BackgroundVideoWriter(new VideoWriter(partial)))
            for (byte i = 0; i < 3; i++) writer.Write(Frame(i));
        Assert.Equal(["frames"], s.Entries()); // no output, no temporary
    }

    [Fact]
    public void A_background_writer_told_the_size_starts_encoding_before_the_first_frame()
    {
        using var s = new MediaScratch();
        using (var writer = new BackgroundVideoWriter(new VideoWriter(s.PathOf("out.mp4")), size: (8, 6)))
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!EncoderRunning(s.Dir) && DateTime.UtcNow < deadline) Thread.Sleep(10);
            Assert.True(EncoderRunning(s.Dir), "ffmpeg writing into the scratch folder runs before any frame was given");
            for (byte i = 0; i < 3; i++) writer.Write(Frame((byte)(60 * i)));
            writer.Complete();
        }
        Assert.Equal(["out.mp4"], s.Entries());
        Assert.Equal(3, VideoSource.Open(s.PathOf("out.mp4")).Frames().Count());
    }

    /// <summary>Whether a child process of this one has <paramref name="dir"/> on its command line.</summary>
    private static bool EncoderRunning(string dir)
    {
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            string children;
            try { children = File.ReadAllText(Path.Combine(task, "children")); } catch (IOException) { continue; }
            foreach (var pid in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                try { if (File.ReadAllText($"/proc/{pid}/cmdline").Contains(dir, StringComparison.Ordinal)) return true; }
                catch (IOException) { } // it has just exited
            }
        }
        return false;
    }

    [Fact]
    public void An_error_of_the_writer_is_rethrown_to_the_caller()
    {
        using var s = new MediaScratch();
        var writer = new BackgroundVideoWriter(new VideoWriter(s.PathOf("out")), capacity: 1);
        writer.Write(Frame(1));
        writer.Write(Frame(2, w: 10)); // another size: VideoWriter refuses it on the writer's thread
        var e = Assert.ThrowsAny<ArgumentException>(() =>
        {
            for (var i = 0; i < 10; i++) writer.Write(Frame(3));
            writer.Complete();
        });
        Assert.Contains("10x6", e.Message);
        writer.Dispose();
        Assert.Empty(s.Entries());
    }
}
