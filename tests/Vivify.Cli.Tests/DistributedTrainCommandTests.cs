using System.Diagnostics;
using Vivify.Motion;
using Vivify.Motion.Data;
using Vivify.Motion.Training;
using Vivify.TestSupport;
using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>
/// `mpirun -np 2 vivify motion train` as a user runs it (float32, one thread per rank, loopback): rank-0-only outputs,
/// the log's data-parallel lines, --resume of a 2-rank run on 1 and on 2 ranks, and a rank killed mid-run.
/// </summary>
[Trait("Category", "Distributed")]
public class DistributedTrainCommandTests
{
    private static readonly string Vivify = Path.Combine(AppContext.BaseDirectory, "vivify.dll");
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    private static string[] Train(string config, string data, string run, params string[] more) =>
        ["motion", "train", "--config", config, "--data", data, "--out", run, "--no-pretrained-vgg", "--seed", "1", "--threads", "1", .. more];

    private static string Data(string dir)
    {
        var path = Path.Combine(dir, "data");
        SyntheticDataset.Write(path, 5, 64, 6, seed: 5, VideoStorage.Strip, 0.2, NoProgress.Instance);
        return path;
    }

    /// <summary>
    /// A 2-rank run of 2 epochs; its epoch-0 checkpoint resumed on 1 rank and on 2: the step after the checkpoint has
    /// the uninterrupted run's losses (1e-5; they are the forward pass of the same state and batch). On 2 ranks the
    /// resumed run is the uninterrupted one exactly; on 1 rank the later steps part at float32 rounding (see
    /// Vivify.Motion.Tests' DataParallelTrainingTests for why, and for the float64 check of every step).
    /// </summary>
    [MpiFact]
    public void Two_ranks_train_write_from_rank_0_and_resume_on_one_or_two()
    {
        using var h = new CliHarness();
        var (config, data) = (TrainingConfigs.FommTiny(h.Dir, epochs: 2, repeats: 2), Data(h.Dir));
        var whole = MpiRun.Run(2, Vivify, Train(config, data, h.PathOf("whole"), "--visualize-every", "3"), Limit);
        Assert.True(whole.Code == 0, $"exit {whole.Code}: {whole.Err}");
        Assert.Contains("data parallel over 2 ranks: global batch 4, 2 per rank", whole.Err);
        Assert.Contains("epoch 1: communication ", whole.Err);
        Assert.Single(whole.Out.Split('\n'), l => l.Contains("4 steps trained", StringComparison.Ordinal));
        Assert.Equal(["00000000-checkpoint.pth.tar", "00000001-checkpoint.pth.tar", "log.csv", "train-vis"],
            Directory.GetFileSystemEntries(h.PathOf("whole")).Select(Path.GetFileName).Order());
        Assert.Equal(["00000000.png", "00000003.png"], Directory.GetFiles(h.PathOf("whole"), "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".png", StringComparison.Ordinal)).Select(Path.GetFileName).Order());
        var expected = TrainLog.Read(h.PathOf("whole/log.csv"));
        Assert.Equal([0, 1, 2, 3], expected.Select(r => r.Iteration));

        foreach (var ranks in new[] { 1, 2 })
        {
            var run = h.PathOf($"resumed{ranks}");
            Directory.CreateDirectory(run);
            File.Copy(h.PathOf("whole/00000000-checkpoint.pth.tar"), Path.Combine(run, "00000000-checkpoint.pth.tar"));
            File.Copy(h.PathOf("whole/log.csv"), Path.Combine(run, "log.csv"));
            var r = MpiRun.Run(ranks, Vivify, Train(config, data, run, "--resume", "--visualize-every", "0"), Limit);
            Assert.True(r.Code == 0, $"{ranks} rank(s): exit {r.Code}: {r.Err}");
            Assert.Contains("resuming from", r.Err);
            var resumed = TrainLog.Read(Path.Combine(run, "log.csv"));
            Assert.Equal([0, 1, 2, 3], resumed.Select(x => x.Iteration));
            foreach (var (name, v) in expected[2].Losses) TensorAssert.CloseRel(v, resumed[2].Losses[name], 1e-5, $"{ranks} rank(s), step 2 {name}");
            if (ranks == 2) Assert.Equal(File.ReadAllLines(h.PathOf("whole/log.csv")), File.ReadAllLines(Path.Combine(run, "log.csv")));
        }
    }

    /// <summary>
    /// Rank 1 killed (SIGKILL, by its pid) after the first checkpoint: the job ends non-zero within the collective
    /// timeout (20 s here; mpirun itself ends it sooner, naming the rank), no rank is left running, and the checkpoint
    /// loads and resumes.
    /// </summary>
    [MpiFact]
    public void A_killed_rank_ends_the_job_and_the_checkpoint_resumes()
    {
        using var h = new CliHarness();
        var (config, data) = (TrainingConfigs.FommTiny(h.Dir, epochs: 1000, repeats: 1), Data(h.Dir));
        var run = h.PathOf("run");
        using var job = MpiRun.Start(2, Vivify, Train(config, data, run, "--visualize-every", "0"), new Dictionary<string, string> { ["VIVIFY_DIST_TIMEOUT"] = "20" });
        var clock = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(run, "00000000-checkpoint.pth.tar")))
        {
            Assert.False(job.Process.HasExited, "the job ended before its first checkpoint");
            Assert.True(clock.Elapsed < Limit, "no checkpoint");
            Thread.Sleep(100);
        }
        var ranks = job.Ranks();
        Assert.Equal([0, 1], ranks.Keys.Order());
        using (var kill = Process.Start("kill", ["-KILL", ranks[1].ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
        var killed = Stopwatch.StartNew();
        var r = job.Wait(Limit);
        Assert.NotEqual(0, r.Code);
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(20 + 15), $"the job took {killed.Elapsed} to end after the kill");
        Assert.Contains("rank 1", r.Err);
        Assert.All(ranks.Values, pid => Assert.True(MpiRun.Gone(pid), $"rank process {pid} still runs"));

        var latest = TrainCheckpoint.Latest(run)!;
        using (var m = new TrainModels(FommConfig.Load(config)))
            Assert.True(TrainCheckpoint.Load(latest, m).Epoch >= 0);
        var epoch = int.Parse(Path.GetFileName(latest)[..8], System.Globalization.CultureInfo.InvariantCulture);
        var shorter = TrainingConfigs.FommTiny(h.Dir, epochs: epoch + 2, repeats: 1, name: "shorter.yaml");
        var resumed = MpiRun.Run(2, Vivify, Train(shorter, data, run, "--resume", "--visualize-every", "0"), Limit);
        Assert.True(resumed.Code == 0, $"exit {resumed.Code}: {resumed.Err}");
        Assert.True(File.Exists(TrainCheckpoint.PathFor(run, epoch + 1)));
    }
}
