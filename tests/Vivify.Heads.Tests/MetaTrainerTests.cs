using System.Diagnostics;
using System.Globalization;
using Vivify.Heads.Data;
using Vivify.Torch.StateDicts;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vivify.Heads.Tests;

public sealed class MetaTrainerTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-heads-meta-").FullName;

    private readonly int _threads = get_num_threads();

    /// <summary>One thread: the tiny networks' many small operations run several times faster so than with two
    /// threads on cores that other processes share (measured: 0.3–0.7 s against 2–10 s a step).</summary>
    public MetaTrainerTests(ITestOutputHelper output)
    {
        _output = output;
        set_num_threads(1);
    }

    public void Dispose()
    {
        set_num_threads(_threads);
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary><see cref="HeadsConfig.Tiny"/> at 32×32 (VGG19 in the content loss dominates a step's cost).</summary>
    internal static readonly HeadsConfig Micro = HeadsConfig.Tiny with { ImageSize = 32, AttentionDownResolution = 8, AttentionUpResolution = 16 };

    private string Data()
    {
        var root = Path.Combine(_dir, "data");
        if (!Directory.Exists(root)) SyntheticFaceDataset.Write(root, new SyntheticFaceDataset.Options(Persons: 3, VideosPerPerson: 1, Frames: 4, Size: 48, Seed: 3));
        return root;
    }

    private MetaTrainOptions Options(string run, long steps, bool resume = false) => new()
    {
        DataDir = Data(), RunDir = Path.Combine(_dir, run), Config = Micro, ConfigSource = "micro", Steps = steps, Batch = 2,
        Resume = resume, PreviewEvery = 2, CheckpointEvery = 2, Seed = 5,
    };

    private static long Train(MetaTrainOptions o, List<string>? log = null)
    {
        var writer = new StringWriter();
        var step = new MetaTrainer(o, NoProgress.Instance, writer).Run();
        log?.AddRange(writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        return step;
    }

    [Fact]
    public void AResumedRunTakesExactlyTheStepsOfAnUninterruptedOne()
    {
        var clock = Stopwatch.StartNew();
        var log = new List<string>();
        Assert.Equal(4, Train(Options("straight", 4), log));
        Assert.Contains(log, l => l.Contains("mean absolute pixel difference"));
        Assert.Equal(2, Train(Options("halves", 2)));
        Assert.Equal(4, Train(Options("halves", 2, resume: true)));
        _output.WriteLine($"8 steps in {clock.Elapsed.TotalSeconds:F1} s");

        var straight = Rows(Path.Combine(_dir, "straight", MetaTrainLog.FileName));
        var halves = Rows(Path.Combine(_dir, "halves", MetaTrainLog.FileName));
        Assert.Equal(4, straight.Count);
        Assert.Equal(straight.Select(r => r[0]), halves.Select(r => r[0]));
        for (int i = 0; i < 4; i++)
            for (int c = 1; c < straight[i].Length; c++)
                Assert.True(Math.Abs(straight[i][c] - halves[i][c]) <= 1e-5 * Math.Max(1, Math.Abs(straight[i][c])),
                    $"step {i + 1}, column {c}: {straight[i][c]} straight, {halves[i][c]} resumed");

        using var a = HeadsCheckpoint.Load(Path.Combine(_dir, "straight", HeadsCheckpoint.FileName));
        using var b = HeadsCheckpoint.Load(Path.Combine(_dir, "halves", HeadsCheckpoint.FileName));
        Assert.Equal(4, a.Step);
        Assert.Equal(4, b.Step);
        Assert.Equal(["id00000/video00", "id00001/video00", "id00002/video00"], a.VideoIds);
        Assert.Equal(Micro, a.Config);
        foreach (var (x, y) in new (nn.Module, nn.Module)[] { (a.Generator, b.Generator), (a.Discriminator, b.Discriminator), (a.Embedder, b.Embedder) })
        {
            var sy = y.state_dict();
            foreach (var (key, t) in x.state_dict())
                Assert.True(t.allclose(sy[key], rtol: 1e-5, atol: 1e-6), $"{key} differs after resume");
        }
        Assert.Equal(["00000002.png", "00000004.png"], Directory.GetFiles(Path.Combine(_dir, "straight", "preview")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void RunDirectoriesAreNotOverwrittenAndResumeNeedsTheSameData()
    {
        var none = Assert.Throws<ResumeConflictException>(() => Train(Options("none", 1, resume: true)));
        Assert.Contains("no checkpoint to resume from", none.Message);
        Assert.Null(none.LatestCheckpoint);
        Assert.Equal(1, Train(Options("run", 1) with { PreviewEvery = 0 }));
        Assert.Single(Rows(Path.Combine(_dir, "run", MetaTrainLog.FileName)));
        Assert.False(Directory.Exists(Path.Combine(_dir, "run", "preview")));
        var again = Assert.Throws<ResumeConflictException>(() => Train(Options("run", 1)));
        Assert.Contains("resume that run or choose a new run directory", again.Message);
        Assert.EndsWith("checkpoint.pth", again.LatestCheckpoint);

        var other = Path.Combine(_dir, "other");
        SyntheticFaceDataset.Write(other, new SyntheticFaceDataset.Options(Persons: 2, VideosPerPerson: 1, Frames: 3, Size: 48));
        var changed = Assert.Throws<InvalidInputException>(() => Train(Options("run", 1, resume: true) with { DataDir = other }));
        Assert.Contains("not the 3 the checkpoint was trained on", changed.Message);
        var config = Assert.Throws<ConfigurationException>(() => Train(Options("run", 1, resume: true) with { Config = Micro with { KShot = 3 } }));
        Assert.Contains("differs from the configuration", config.Message);
    }

    [Fact]
    public void AnInterruptedRunKeepsTheStepsItCompleted()
    {
        using var cts = new CancellationTokenSource();
        var o = Options("cut", 5) with { PreviewEvery = 0, CheckpointEvery = 100 };
        Assert.ThrowsAny<OperationCanceledException>(() => new MetaTrainer(o, new CancelAfter(1, cts), TextWriter.Null).Run(cts.Token));
        using var model = HeadsCheckpoint.Load(Path.Combine(o.RunDir, HeadsCheckpoint.FileName));
        Assert.Equal(1, model.Step);
        Assert.Single(Rows(Path.Combine(o.RunDir, MetaTrainLog.FileName)));
        Assert.Equal(2, Train(o with { Resume = true, Steps = 1 }));
    }

    /// <summary>Cancels (as Ctrl-C does) once <paramref name="steps"/> steps have been reported.</summary>
    private sealed class CancelAfter(int steps, CancellationTokenSource cts) : IProgressReporter, IProgressTask
    {
        private int _done;
        public IProgressTask Start(string description, long? total, string unit = "frames") => this;
        public void Advance(long by = 1) { if ((_done += (int)by) >= steps) cts.Cancel(); }
        public void Dispose() { }
    }

    private static List<double[]> Rows(string csv)
    {
        var lines = File.ReadAllLines(csv);
        Assert.Equal(MetaTrainLog.Header, lines[0]);
        return lines.Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
    }
}
