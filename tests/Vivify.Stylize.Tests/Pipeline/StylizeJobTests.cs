using Vivify.Media;
using Vivify.Stylize.Prep;
using Vivify.Torch.Checkpoints;
using Xunit;

namespace Vivify.Stylize.Tests.Pipeline;

/// <summary>The stylize pipeline as a library call: a clip and keyframe files to a trained session and stylized frames.</summary>
public sealed class StylizeJobTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-job").FullName;

    private string Painting(string name, int shade) => TinyStylizeClip.Painting(_dir, name, shade);

    private static StylizeJobOptions Options => new() { Config = StylizeConfig.Parse(TinyStylizeClip.Yaml), PreFilter = PreFilter.None, Seed = 3 };

    private static Clip NewClip() => StylizeInputs.LoadClip(Enumerable.Range(0, TinyStylizeClip.Frames).Select(f => TinyStylizeClip.Frame(f)));

    [Fact]
    public async Task KeyframesCanBeReplacedWhileTrainingRuns()
    {
        using var clip = NewClip();
        var paintings = Enumerable.Range(0, 4).Select(i => Painting($"p{i}.png", 40 * i)).ToArray();
        using var job = StylizeJob.Create(clip, [new KeyframeFile(0, paintings[0])], Options);
        using var started = new ManualResetEventSlim();
        var progress = new StepProgress(_ => started.Set());
        var training = Task.Run(() => job.Train(new TrainingBudget(60, null), progress));
        Assert.True(started.Wait(TimeSpan.FromMinutes(2)), "training did not start");
        var replaced = 0;
        while (!training.IsCompleted && replaced < 12)
        {
            var frame = 1 + replaced % (TinyStylizeClip.Frames - 1);
            job.ReplaceKeyframes([new KeyframeFile(frame, paintings[replaced % 4]), new KeyframeFile(0, paintings[(replaced + 1) % 4])]);
            replaced++;
        }
        // A bad file is refused and the keyframes stay as they were.
        var before = job.Keys;
        var missing = Path.Combine(_dir, "missing.png");
        Assert.Equal(missing, Assert.Throws<InvalidInputException>(() => job.ReplaceKeyframes([new KeyframeFile(2, missing)])).Path);
        Assert.Same(before, job.Keys);
        Assert.Equal(60, await training);
        Assert.True(replaced > 0, "no replacement happened while training ran");
        Assert.Equal(60, job.Session.Steps);
        Assert.Equal(before.Select(k => (object?)(long)k.Frame).ToList(), (List<object?>)job.Session.Meta["keys"]!);
        job.Train(new TrainingBudget(2, null)); // the last keyframes train
        Assert.Equal(62, job.Session.Steps);
    }

    [Fact]
    public void RendersEveryFrameInOrderAsPicturesInTheUnitRange()
    {
        using var clip = NewClip();
        using var job = StylizeJob.Create(clip, [new KeyframeFile(2, Painting("p.png", 30))], Options);
        Assert.Equal(2, job.Train(new TrainingBudget(2, null)));
        var seen = new List<int>();
        job.Render((f, y) =>
        {
            seen.Add(f);
            Assert.Equal(new long[] { 3, TinyStylizeClip.Height, TinyStylizeClip.Width }, y.shape);
            Assert.True(y.min().item<float>() >= 0 && y.max().item<float>() <= 1);
        }, batch: 2);
        Assert.Equal(Enumerable.Range(0, TinyStylizeClip.Frames), seen);
    }

    [Fact]
    public void CancelledTrainingSavesTheStepsTakenAndRethrows()
    {
        using var clip = NewClip();
        using var job = StylizeJob.Create(clip, [new KeyframeFile(0, Painting("p.png", 0))], Options);
        using var cancel = new CancellationTokenSource();
        var model = Path.Combine(_dir, "model.pth");
        var said = new List<string>();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            job.Train(TrainingBudget.Unlimited, new StepProgress(n => { if (n == 3) cancel.Cancel(); }), cancel.Token, new TrainingSaves(model), said.Add));
        Assert.Equal(3, job.Session.Steps);
        Assert.Contains(said, l => l.Contains("interrupted after 3 steps") && l.Contains(model));
        Assert.True(TorchFile.Load(model) is PyDict root && (long)root["steps"]! == 3);
    }

    [Fact]
    public void KeyframesOutsideTheClipAreRefusedNamingTheFile()
    {
        using var clip = NewClip();
        var p = Painting("p.png", 0);
        var e = Assert.Throws<InvalidInputException>(() => StylizeJob.Create(clip, [new KeyframeFile(TinyStylizeClip.Frames, p)], Options, "clip.mp4"));
        Assert.Equal(p, e.Path);
        Assert.StartsWith(p, e.Message);
        Assert.Contains($"clip.mp4 has frames 0–{TinyStylizeClip.Frames - 1}", e.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Calls back with the number of steps done after each.</summary>
    private sealed class StepProgress(Action<long> onStep) : IProgressReporter, IProgressTask
    {
        private long _steps;
        public IProgressTask Start(string description, long? total, string unit = "frames") => this;
        public void Advance(long by = 1) => onStep(_steps += by);
        public void Dispose() { }
    }
}
