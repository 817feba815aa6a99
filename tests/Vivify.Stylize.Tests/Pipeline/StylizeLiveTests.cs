using Vivify.Media;
using Vivify.Stylize.Prep;
using Xunit;

namespace Vivify.Stylize.Tests.Pipeline;

/// <summary>The interactive loop (<see cref="StylizeLive"/>) and the working-size clip (<see cref="FittedClip"/>) of the web studio.</summary>
public sealed class StylizeLiveTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-live").FullName;

    private string Painting(string name, int shade) => TinyStylizeClip.Painting(_dir, name, shade);

    private static StylizeJob NewJob(Clip clip, string painting) =>
        StylizeJob.Create(clip, [new KeyframeFile(0, painting)], new StylizeJobOptions { Config = StylizeConfig.Parse(TinyStylizeClip.Yaml), PreFilter = PreFilter.None, Seed = 1 });

    [Fact]
    public void Previews_come_at_the_preview_size_tagged_with_step_and_revision_and_a_repaint_keeps_the_steps()
    {
        using var clip = StylizeInputs.LoadClip(Enumerable.Range(0, TinyStylizeClip.Frames).Select(f => TinyStylizeClip.Frame(f)));
        var second = Painting("p1.png", 60);
        using var job = NewJob(clip, Painting("p0.png", 0));
        using var live = new StylizeLive(job, new StylizeLiveOptions
        {
            PreviewMaxWidth = 12, PreviewMaxHeight = 12, FirstPreviewAfterSeconds = 0, PreviewEverySeconds = 0.05, RepaintPreviewAfterSeconds = 0,
            Budget = new TrainingBudget(30, null),
        });
        Assert.Equal([0, 2, 4], live.PreviewFrames);
        var batches = new List<IReadOnlyList<StylizePreview>>();
        long repaintedAt = 0;
        var steps = live.Run(batches.Add, step =>
        {
            if (step != 15) return;
            repaintedAt = step;
            Assert.Equal(1, live.Repaint([new KeyframeFile(3, second)]));
        });

        Assert.Equal(30, steps);
        Assert.Equal(30, job.Session.Steps); // the repaint did not restart training
        Assert.Equal(3, Assert.Single(job.Keys).Frame);
        Assert.True(batches.Count >= 2);
        foreach (var batch in batches)
        {
            Assert.Equal([0, 2, 4], batch.Select(p => p.Frame));
            foreach (var p in batch)
            {
                Assert.Equal((12, 10), (p.Width, p.Height)); // 24×20 fitted into 12×12
                Assert.Equal((12, 10), PngSize(p.Png));
                Assert.Equal(p.Step < repaintedAt ? 0 : 1, p.Revision);
            }
        }
        var path = Path.Combine(_dir, "preview.png");
        File.WriteAllBytes(path, batches[^1][2].Png);
        Assert.Equal((12, 10), (ImageIO.ReadFrame(path).Width, ImageIO.ReadFrame(path).Height)); // a PNG that decodes
        Assert.All(batches.Zip(batches.Skip(1)), pair => Assert.True(pair.First[0].Step <= pair.Second[0].Step));
        Assert.Equal((30L, 1), (batches[^1][0].Step, batches[^1][0].Revision)); // the last one after the last step
    }

    [Theory]
    [InlineData(1e6)]
    [InlineData(0)]
    public void While_a_repaint_is_recent_previews_come_at_the_repaint_interval(double followSeconds)
    {
        using var clip = StylizeInputs.LoadClip(Enumerable.Range(0, TinyStylizeClip.Frames).Select(f => TinyStylizeClip.Frame(f)));
        var second = Painting("p1.png", 60);
        using var job = NewJob(clip, Painting("p0.png", 0));
        using var live = new StylizeLive(job, new StylizeLiveOptions
        {
            PreviewFrames = [0], PreviewMaxWidth = 12, PreviewMaxHeight = 12, FirstPreviewAfterSeconds = 0, PreviewEverySeconds = 1e6,
            RepaintPreviewAfterSeconds = 0, RepaintPreviewEverySeconds = 1e-9, RepaintFollowSeconds = followSeconds,
            Budget = new TrainingBudget(20, null),
        });
        var steps = new List<(long Step, int Revision)>();
        live.Run(b => steps.Add((b[0].Step, b[0].Revision)), step => { if (step == 10) live.Repaint([new KeyframeFile(0, second)]); });
        // Before the repaint: the first preview only (the regular interval is 10⁶ s); the last one comes after the last step.
        Assert.Equal([(1L, 0)], steps.Where(s => s.Revision == 0));
        var after = steps.Where(s => s.Revision == 1).Select(s => s.Step).ToList();
        if (followSeconds > 0)
            Assert.Equal(Enumerable.Range(10, 11).Select(i => (long)i), after.Distinct()); // at once, then after every step while it is recent
        else
            Assert.Equal([10L, 20L], after); // the one the repaint brings forward, then the regular interval again
    }

    [Theory]
    [InlineData(1e6)]
    [InlineData(1e-9)]
    public void While_a_repaint_is_recent_only_the_repainted_preview_frames_render_and_all_of_them_every_so_often(double allEverySeconds)
    {
        using var clip = StylizeInputs.LoadClip(Enumerable.Range(0, TinyStylizeClip.Frames).Select(f => TinyStylizeClip.Frame(f)));
        var second = Painting("p1.png", 60);
        using var job = NewJob(clip, Painting("p0.png", 0));
        using var live = new StylizeLive(job, new StylizeLiveOptions
        {
            PreviewFrames = [0, 2, 4], PreviewMaxWidth = 12, PreviewMaxHeight = 12, FirstPreviewAfterSeconds = 0, PreviewEverySeconds = 1e6,
            RepaintPreviewAfterSeconds = 0, RepaintPreviewEverySeconds = 1e-9, RepaintFollowSeconds = 1e6, RepaintPreviewAllEverySeconds = allEverySeconds,
            Budget = new TrainingBudget(20, null),
        });
        var batches = new List<(long Step, int Revision, int[] Frames)>();
        live.Run(b => batches.Add((b[0].Step, b[0].Revision, b.Select(p => p.Frame).ToArray())),
            step => { if (step == 10) live.Repaint([new KeyframeFile(0, second)]); });
        Assert.Equal([0, 2, 4], batches[0].Frames); // before any repaint: all
        var after = batches.Where(b => b.Revision == 1).ToList();
        Assert.Equal(Enumerable.Range(10, 11).Select(i => (long)i), after.Select(b => b.Step).Distinct()); // after every step from the repaint on
        if (allEverySeconds > 1)
            Assert.All(after.SkipLast(1), b => Assert.Equal([0], b.Frames)); // only keyframe 0, the repainted one
        else
            Assert.All(after, b => Assert.Equal([0, 2, 4], b.Frames)); // all are always due
        Assert.Equal([0, 2, 4], after[^1].Frames); // the last preview, at the end, shows them all
    }

    [Fact]
    public void Replacing_keyframes_tells_which_frames_changed()
    {
        using var clip = StylizeInputs.LoadClip(Enumerable.Range(0, TinyStylizeClip.Frames).Select(f => TinyStylizeClip.Frame(f)));
        var first = Painting("p0.png", 0);
        var second = Painting("p1.png", 60);
        using var job = NewJob(clip, first);
        Assert.Null(job.ReplaceKeyframes([new KeyframeFile(0, second)])); // no repaint focus: not known
        job.Session.RepaintFocus = new RepaintFocus();
        Assert.Equal([0], job.ReplaceKeyframes([new KeyframeFile(0, first)])); // repainted
        Assert.Empty(job.ReplaceKeyframes([new KeyframeFile(0, Painting("same.png", 0))])!); // the same pixels
        Assert.Equal([3], job.ReplaceKeyframes([new KeyframeFile(0, first), new KeyframeFile(3, second)])); // a new keyframe
        Assert.Null(job.ReplaceKeyframes([new KeyframeFile(2, second)])); // nothing in common with the previous set: not known
    }

    /// <summary>The width and height a PNG's header gives.</summary>
    private static (int, int) PngSize(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        return (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    [Fact]
    public void Stop_ends_the_loop_normally_with_a_last_preview_and_bad_preview_frames_are_refused()
    {
        using var clip = StylizeInputs.LoadClip(Enumerable.Range(0, TinyStylizeClip.Frames).Select(f => TinyStylizeClip.Frame(f)));
        using var job = NewJob(clip, Painting("p0.png", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StylizeLive(job, new StylizeLiveOptions { PreviewFrames = [5] }));
        using var live = new StylizeLive(job, new StylizeLiveOptions { PreviewFrames = [1], FirstPreviewAfterSeconds = 1e6 });
        using var stop = new CancellationTokenSource();
        var last = new List<StylizePreview>();
        var steps = live.Run(p => last.AddRange(p), step => { if (step == 4) stop.Cancel(); }, stop.Token);
        Assert.Equal(4, steps);
        Assert.Equal((1, 4L, 24, 20), (Assert.Single(last).Frame, last[0].Step, last[0].Width, last[0].Height));
    }

    [Fact]
    public void A_clip_is_fitted_to_the_working_size_with_even_sides_and_each_frame_given_as_png()
    {
        Assert.Equal((640, 360), FittedClip.Fit(1280, 720, 640));
        Assert.Equal((360, 640), FittedClip.Fit(1080, 1920, 640));
        Assert.Equal((100, 50), FittedClip.Fit(101, 51, 640));
        Assert.Equal((320, 180), FittedClip.Within(640, 360, 320, 240));
        Assert.Equal((24, 20), FittedClip.Within(24, 20, 320, 240));

        var folder = Directory.CreateDirectory(Path.Combine(_dir, "frames")).FullName;
        for (var f = 0; f < TinyStylizeClip.Frames; f++) ImageIO.Write(Path.Combine(folder, $"{f:D5}.png"), TinyStylizeClip.Frame(f));
        var pngs = new Dictionary<int, byte[]>();
        using var clip = FittedClip.Load(VideoSource.Open(folder), maxSide: 12, maxFrames: 3, (n, png) => pngs[n] = png);
        Assert.Equal((3, 12L, 10L), (clip.Count, clip.Width, clip.Height));
        Assert.Equal([0, 1, 2], pngs.Keys.Order());
        var path = Path.Combine(_dir, "f1.png");
        File.WriteAllBytes(path, pngs[1]);
        using var shown = ImageIO.ReadFrame(path).ToByteTensor();
        Assert.Equal(clip[1].data<byte>().ToArray(), shown.data<byte>().ToArray()); // the PNG is the clip's frame, exactly
    }

    [Fact]
    public void The_demo_configuration_is_built_in()
    {
        var config = StylizeLive.DemoConfig();
        Assert.Equal(2, config.Generator.Args.ResnetBlocks);
        Assert.Equal(4, config.Trainer.BatchSize);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
