using System.Diagnostics;
using Vivify.Heads.Data;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vivify.Heads.Tests;

/// <summary>
/// The README's few-shot evidence, small enough for the suite: meta-learn the 32×32 micro model on synthetic
/// talking faces, then fine-tune it on 1 and on 8 shots of a person it has never seen, and the same networks
/// freshly initialised for the same steps; the held-out frames drawn from their landmarks must be closer (L1)
/// to the real ones after meta-learning, and closer with 8 shots than with 1.
/// </summary>
[Trait("Category", "Evidence")]
public sealed class FewShotEvidenceTests : IDisposable
{
    /// <summary>The micro model with the tiny configuration's CPU learning rates and the pixel stand-in for L_CNT.</summary>
    private static readonly HeadsConfig Config = MetaTrainerTests.Micro;
    private const int MetaSteps = 1000, FineTuneSteps = 30, HeldOut = 6;
    private readonly ITestOutputHelper _output;
    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-heads-evidence-").FullName;
    private readonly int _threads = get_num_threads();

    public FewShotEvidenceTests(ITestOutputHelper output)
    {
        _output = output;
        set_num_threads(1); // see MetaTrainerTests: tiny networks run faster on one thread of shared cores
    }

    public void Dispose()
    {
        set_num_threads(_threads);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void MetaLearningBeatsScratchAndEightShotsBeatOne()
    {
        var clock = Stopwatch.StartNew();
        var train = Path.Combine(_dir, "train");
        SyntheticFaceDataset.Write(train, new SyntheticFaceDataset.Options(Persons: 8, VideosPerPerson: 2, Frames: 16, Size: 48, Seed: 1));
        var unseen = Path.Combine(_dir, "unseen");
        SyntheticFaceDataset.Write(unseen, new SyntheticFaceDataset.Options(Persons: 1, VideosPerPerson: 1, Frames: 16, Size: 48, Seed: 777));
        var run = Path.Combine(_dir, "run");
        new MetaTrainer(new MetaTrainOptions
        {
            DataDir = train, RunDir = run, Config = Config, Steps = MetaSteps, Batch = 2,
            PreviewEvery = 0, CheckpointEvery = MetaSteps, Seed = 1,
        }, NoProgress.Instance, TextWriter.Null).Run();
        var metaSeconds = clock.Elapsed.TotalSeconds;
        // log.csv: step,content,adversarial,feature_matching,match,discriminator,generator — the last 100 steps' means
        var tail = File.ReadAllLines(Path.Combine(run, "log.csv")).Skip(1).TakeLast(100)
            .Select(l => l.Split(',').Skip(1).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToList();
        _output.WriteLine("last 100 steps: " + string.Join(", ", new[] { "content", "adversarial", "feature matching", "match", "discriminator" }
            .Select((name, k) => $"{name} {tail.Average(r => r[k]):F3}")));
        Assert.True(tail.Average(r => r[4]) is > 0.05 and < 1.95, "the discriminator neither died (hinge loss 2) nor won outright (0)");

        var video = HeadsDataset.Open(unseen, faceModels: Path.Combine(_dir, "no-models")).Videos[0];
        var l1 = new Dictionary<(FewShotStart, int), double>();
        foreach (var shots in new[] { 1, 8 })
        {
            using var split = FewShotSplit.Of(video, shots, HeldOut, MetaTrainerTests.Micro.ImageSize);
            foreach (var start in new[] { FewShotStart.MetaLearned, FewShotStart.Scratch })
            {
                using var scope = NewDisposeScope();
                random.manual_seed(3);
                using var model = start == FewShotStart.MetaLearned
                    ? HeadsCheckpoint.Load(Path.Combine(run, HeadsCheckpoint.FileName))
                    : new HeadsModel(Config, numVideos: 1);
                var r = FewShotEvaluation.Run(model, start, split, FineTuneSteps, content: null, out _, seed: 3);
                l1[(start, shots)] = r.L1;
                _output.WriteLine($"{start} K={shots}: held-out L1 {r.L1Before:F4} -> {r.L1:F4}, SSIM {r.Ssim:F4} ({r.Seconds:F1} s)");
            }
        }
        _output.WriteLine($"meta-learning {MetaSteps} steps in {metaSeconds:F0} s; all in {clock.Elapsed.TotalSeconds:F0} s");
        foreach (var shots in new[] { 1, 8 })
            Assert.True(l1[(FewShotStart.MetaLearned, shots)] < l1[(FewShotStart.Scratch, shots)],
                $"K={shots}: meta-learned {l1[(FewShotStart.MetaLearned, shots)]:F4} is not below from scratch {l1[(FewShotStart.Scratch, shots)]:F4}");
        Assert.True(l1[(FewShotStart.MetaLearned, 8)] < l1[(FewShotStart.MetaLearned, 1)],
            $"8 shots {l1[(FewShotStart.MetaLearned, 8)]:F4} are not below 1 shot {l1[(FewShotStart.MetaLearned, 1)]:F4}");
    }
}
