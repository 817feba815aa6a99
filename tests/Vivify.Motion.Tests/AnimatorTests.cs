using System.Collections.Concurrent;
using Vivify.Cli.Tests;
using Vivify.Media;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

/// <summary>
/// The public <see cref="Animator"/>: one instance, many sources and streams; every way in (a video, a stream, an
/// asynchronous stream, batches of crops) gives the same frames; any checkpoint container; concurrent callers.
/// The model is the CLI tests' tiny random one (TinyMotionModel, linked from Vivify.Cli.Tests).
/// </summary>
public sealed class AnimatorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-animator-").FullName;
    private readonly string _config;
    private readonly string _checkpoint;

    public AnimatorTests()
    {
        _config = TinyMotionModel.WriteConfig(Path.Combine(_dir, "tiny.yaml"));
        _checkpoint = TinyMotionModel.WriteCheckpoint(Path.Combine(_dir, "tiny.pth.tar"), _config);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Six 64×64 frames: the portrait shifted 6 pixels further right each frame (a known, large motion).</summary>
    private static List<RgbFrame> Driving()
    {
        using var scope = NewDisposeScope();
        var portrait = Geometry.Resize(ImageIO.Read(TinyMotionModel.Sample("sample1.jpg")), TinyMotionModel.Size, TinyMotionModel.Size);
        return Enumerable.Range(0, 6).Select(i => RgbFrame.FromTensor(portrait.roll(6 * i, 2))).ToList();
    }

    private string DrivingFolder(List<RgbFrame> frames)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir, "driving")).FullName;
        for (var i = 0; i < frames.Count; i++) ImageIO.Write(Path.Combine(dir, $"{i:00000}.png"), frames[i]);
        return dir;
    }

    private static void SameFrames(IReadOnlyList<RgbFrame> expected, IReadOnlyList<RgbFrame> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal((expected[i].Width, expected[i].Height), (actual[i].Width, actual[i].Height));
            // Rounded to 8 bits from float32 computed in other batch groupings: at most one step apart.
            var most = expected[i].Data.Zip(actual[i].Data, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(most <= 1, $"{what}, frame {i}: bytes differ by {most}");
        }
    }

    [Fact]
    public async Task A_video_a_stream_an_async_stream_and_crop_batches_give_the_same_frames()
    {
        var frames = Driving();
        var folder = DrivingFolder(frames);
        using var animator = Animator.Load(_config, _checkpoint);
        Assert.Equal((64, 64), animator.FrameSize);
        using var source = animator.PrepareSource(TinyMotionModel.Sample("sample1.jpg"));
        var options = new AnimateOptions { BatchSize = 4, InitialFrame = 2 };

        var fromVideo = new List<RgbFrame>();
        Assert.Equal(6, animator.Animate(source, VideoSource.Open(folder), fromVideo.Add, options));

        var fromStream = new List<RgbFrame>();
        animator.Animate(source, frames, fromStream.Add, options with { InitialFrame = 0, BatchSize = 3 }, initialFrame: frames[2]);
        SameFrames(fromVideo, fromStream, "stream");

        var fromAsync = new List<RgbFrame>();
        await animator.AnimateAsync(source, frames.ToAsyncEnumerable(), (f, _) => { fromAsync.Add(f); return ValueTask.CompletedTask; },
            options with { InitialFrame = 0, BatchSize = 5 }, initialFrame: frames[2]);
        SameFrames(fromVideo, fromAsync, "async stream");

        // Crops already at the model's size, one batch at a time, the initial frame set first.
        var fromCrops = new List<RgbFrame>();
        using (var session = animator.StartDriving(source, options with { InitialFrame = 0 }))
        using (var scope = NewDisposeScope())
        {
            session.SetInitialFrame(frames[2].ToTensor());
            foreach (var chunk in frames.Chunk(2))
            {
                var predictions = session.Animate(stack(chunk.Select(f => f.ToTensor()).ToArray()));
                Assert.Equal([2L, 3, 64, 64], predictions.shape);
                for (var i = 0; i < chunk.Length; i++) fromCrops.Add(RgbFrame.FromTensor(predictions[i]));
            }
        }
        SameFrames(fromVideo, fromCrops, "crop batches");

        // The initial frame is the source's pose: the motion moves the output away from frame 2's, by several times
        // the one-step tolerance above (a path that ignored the driving frames would not pass the comparisons).
        var change = fromVideo[5].Data.Zip(fromVideo[2].Data, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(change >= 4, $"the driving motion changes the output (largest byte change {change})");
    }

    [Fact]
    public void Live_driving_one_frame_at_a_time_gives_the_streams_frames_and_a_reset_pose_starts_relative_motion_again()
    {
        var frames = Driving();
        using var animator = Animator.Load(_config, _checkpoint);
        using var source = animator.PrepareSource(TinyMotionModel.Sample("sample1.jpg"));
        var fromStream = new List<RgbFrame>();
        animator.Animate(source, frames, fromStream.Add, new AnimateOptions { BatchSize = 4 });
        var fromFrame2 = new List<RgbFrame>();
        animator.Animate(source, frames.Skip(2), fromFrame2.Add, new AnimateOptions { BatchSize = 4 });

        using var session = animator.StartDriving(source);
        Assert.False(session.HasInitialFrame);
        var live = new List<RgbFrame>();
        foreach (var frame in frames.Take(2)) live.Add(session.Animate(frame));
        SameFrames(fromStream[..2], live, "live, relative to the first frame");
        session.ResetInitialFrame();
        Assert.False(session.HasInitialFrame);
        live.Clear();
        foreach (var frame in frames.Skip(2)) live.Add(session.Animate(frame));
        Assert.True(session.HasInitialFrame);
        SameFrames(fromFrame2, live, "live after a reset, relative to frame 2");

        // A frame of another size (a camera's) is resized to the model's, as the other ways in do.
        using var scope = NewDisposeScope();
        var big = RgbFrame.FromTensor(Geometry.Resize(frames[3].ToTensor(), 96, 128, ResizeMode.Bilinear));
        var fromBig = session.Animate(big);
        Assert.Equal((64, 64), (fromBig.Width, fromBig.Height));
    }

    [Fact]
    public void Safetensors_and_torch_checkpoints_animate_alike_and_one_instance_serves_concurrent_callers()
    {
        var frames = Driving();
        var safetensors = Path.Combine(_dir, "tiny.safetensors");
        using (var scope = NewDisposeScope()) CheckpointIO.Save(CheckpointIO.Load(_checkpoint), safetensors);

        using var animator = Animator.Load(_config, _checkpoint);
        using var fromSafetensors = Animator.Load(_config, safetensors);
        List<RgbFrame> Run(Animator a)
        {
            using var source = a.PrepareSource(TinyMotionModel.Sample("sample1.jpg"));
            var output = new List<RgbFrame>();
            a.Animate(source, frames, output.Add, new AnimateOptions { BatchSize = 2, AdaptScale = true });
            return output;
        }
        var expected = Run(animator);
        SameFrames(expected, Run(fromSafetensors), "safetensors");

        var results = new ConcurrentBag<List<RgbFrame>>();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ => results.Add(Run(animator)));
        Assert.Equal(4, results.Count);
        foreach (var r in results) SameFrames(expected, r, "a concurrent caller");
    }

    [Fact]
    public void Progress_reaches_an_IProgress_and_cancellation_stops_between_batches()
    {
        var frames = Driving();
        using var animator = Animator.Load(_config, _checkpoint);
        using var source = animator.PrepareSource(frames[0], "frame 0");
        var reports = new List<ProgressReport>();
        var progress = ProgressReporter.From(new Recorder(reports));
        animator.Animate(source, frames, _ => { }, new AnimateOptions { BatchSize = 4 }, frameCount: 6, progress: progress);
        Assert.Equal(new ProgressReport("animate", 0, 6, "frames"), reports[0]);
        Assert.Equal([0L, 4, 6, 6], reports.Select(r => r.Done));
        Assert.True(reports[^1].Finished);

        using var cts = new CancellationTokenSource();
        var written = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => animator.Animate(source, frames, _ => { if (++written == 2) cts.Cancel(); },
            new AnimateOptions { BatchSize = 2 }, cancel: cts.Token));
        Assert.Equal(2, written);
    }

    [Fact]
    public void Bad_inputs_are_typed_and_name_the_file_but_no_option()
    {
        var missing = Assert.Throws<InvalidInputException>(() => Animator.Load(_config, Path.Combine(_dir, "none.pth.tar")));
        Assert.EndsWith("none.pth.tar", missing.Path);
        var wider = TinyMotionModel.WriteConfig(Path.Combine(_dir, "wider.yaml"), blockExpansion: 16);
        var mismatch = Assert.Throws<ModelMismatchException>(() => Animator.Load(wider, _checkpoint));
        Assert.Equal(_checkpoint, mismatch.Path);
        Assert.Contains("first.conv.weight checkpoint [8,3,7,7] vs model [16,3,7,7]", mismatch.Message);
        var config = Assert.Throws<InvalidInputException>(() => Animator.Load(Path.Combine(_dir, "none.yaml"), _checkpoint));
        Assert.Contains("none.yaml: configuration file not found", config.Message);
        foreach (var e in new VivifyException[] { missing, mismatch, config }) Assert.DoesNotContain("--", e.Message);

        using var animator = Animator.Load(_config, _checkpoint);
        using var source = animator.PrepareSource(Driving()[0]);
        Assert.Throws<InvalidInputException>(() => animator.Animate(source, Array.Empty<RgbFrame>(), _ => { }));
        Assert.Throws<ArgumentException>(() => animator.Animate(source, Driving(), _ => { }, new AnimateOptions { Mode = MotionMode.Absolute, AdaptScale = true }));
        using var session = animator.StartDriving(source);
        Assert.Throws<ArgumentException>(() => session.Animate(zeros(1, 3, 32, 32)));
    }

    private sealed class Recorder(List<ProgressReport> reports) : IProgress<ProgressReport>
    {
        public void Report(ProgressReport value) => reports.Add(value);
    }
}
