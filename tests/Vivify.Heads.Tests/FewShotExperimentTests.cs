using Vivify.Heads.Data;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Heads.Tests;

/// <summary>The few-shot experiment as a library call (what `vivify heads evaluate` runs).</summary>
public sealed class FewShotExperimentTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-heads-experiment-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RunsEveryStartAndShotCountOnEveryVideoWithPreviewsAndProgress()
    {
        var unseen = Path.Combine(_dir, "unseen");
        SyntheticFaceDataset.Write(unseen, new SyntheticFaceDataset.Options(2, 1, 5, 48, Seed: 9));
        var checkpoint = Path.Combine(_dir, HeadsCheckpoint.FileName);
        random.manual_seed(1);
        using (var model = new HeadsModel(MetaTrainerTests.Micro, numVideos: 2)) HeadsCheckpoint.Save(checkpoint, model);
        var progress = new CountingProgress();
        var log = new List<string>();

        var result = FewShotExperiment.Run(checkpoint, unseen, new FewShotExperimentOptions
        {
            Shots = [2, 1], Steps = 2, HeldOut = 2, FaceMetrics = false, PreviewDir = Path.Combine(_dir, "preview"), Seed = 3,
        }, progress, log: log.Add);

        // 2 videos × 2 shot counts × 2 starts, in order of video, shots, start.
        Assert.Equal(8, result.Runs.Count);
        Assert.Equal([1, 1, 2, 2, 1, 1, 2, 2], result.Runs.Select(r => r.Shots));
        Assert.Equal(4, result.Runs.Count(r => r.Start == FewShotStart.Scratch));
        Assert.All(result.Runs, r => Assert.Equal(2, r.Steps));
        Assert.All(result.Runs, r => Assert.True(double.IsNaN(r.Csim), "face metrics were switched off"));
        Assert.Equal(8 * 2, progress.Steps);
        Assert.Empty(result.Fids);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(_dir, "preview"), "*.png").Length);
        Assert.Equal(8, log.Count(l => l.Contains("held-out L1")));
    }

    [Fact]
    public void RefusesShotCountsOutsideOneToThirtyTwo()
    {
        Assert.Throws<ArgumentException>(() => FewShotExperiment.Run("none.pth", _dir, new FewShotExperimentOptions { Shots = [0] }));
        Assert.Throws<ArgumentException>(() => FewShotExperiment.Run("none.pth", _dir, new FewShotExperimentOptions { Shots = [] }));
    }

    private sealed class CountingProgress : IProgressReporter, IProgressTask
    {
        public long Steps;
        public IProgressTask Start(string description, long? total, string unit = "frames") => this;
        public void Advance(long by = 1) => Steps += by;
        public void Dispose() { }
    }
}
