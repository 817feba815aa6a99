using Vivify.Heads.Data;
using Vivify.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace Vivify.Heads.Tests;

/// <summary>
/// Meta-training data-parallel under mpirun (Vivify.MpiHost, one thread per rank, float64 for the reason
/// Vivify.Motion.Tests' DataParallelTrainingTests gives): 2 ranks with 2 of each step's 4 episodes take the steps one
/// process takes on all 4; then a resume of the 2-rank run on 1 rank and on 2 takes the same further steps.
/// </summary>
[Trait("Category", "Distributed")]
public class DataParallelMetaTrainingTests(ITestOutputHelper output)
{
    private static readonly string Host = Path.Combine(AppContext.BaseDirectory, "Vivify.MpiHost.dll");
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    [MpiFact]
    public void Two_ranks_take_the_steps_of_one_process_and_resume_on_one_or_two()
    {
        var dir = TensorFiles.TempDir("vivify-dp-heads");
        try
        {
            var data = Path.Combine(dir, "data");
            SyntheticFaceDataset.Write(data, new SyntheticFaceDataset.Options(Persons: 4, VideosPerPerson: 1, Frames: 5, Size: 48, Seed: 3));
            string Run(int ranks, string name, bool resume = false)
            {
                var run = Path.Combine(dir, name);
                var r = MpiRun.Run(ranks, Host, resume ? ["heads", data, run, "--resume"] : ["heads", data, run], Limit);
                Assert.True(r.Code == 0, $"{name}, {ranks} rank(s): exit {r.Code}: {r.Err}");
                if (ranks == 2) Assert.Contains("data parallel over 2 ranks: global batch 4, 2 per rank", r.Err);
                return run;
            }
            var one = Run(1, "one");
            var two = Run(2, "two");
            Assert.Equal([HeadsCheckpoint.FileName, MetaTrainLog.FileName], Directory.GetFileSystemEntries(two).Select(Path.GetFileName).Order());
            CheckpointCompare.Logs(Path.Combine(one, MetaTrainLog.FileName), Path.Combine(two, MetaTrainLog.FileName), 1e-5);
            var worst = CheckpointCompare.Within(Path.Combine(one, HeadsCheckpoint.FileName), Path.Combine(two, HeadsCheckpoint.FileName), 1e-5);
            output.WriteLine($"after 3 steps, largest relative difference {worst.Rel:G3} ({worst.Key})");

            // The 2-rank checkpoint resumed for 3 more steps on 1 and on 2 ranks.
            foreach (var ranks in new[] { 1, 2 })
            {
                var resumed = Path.Combine(dir, $"resumed{ranks}");
                Directory.CreateDirectory(resumed);
                foreach (var f in Directory.GetFiles(two)) File.Copy(f, Path.Combine(resumed, Path.GetFileName(f)));
                Run(ranks, $"resumed{ranks}", resume: true);
            }
            CheckpointCompare.Logs(Path.Combine(dir, "resumed2", MetaTrainLog.FileName), Path.Combine(dir, "resumed1", MetaTrainLog.FileName), 1e-5);
            worst = CheckpointCompare.Within(Path.Combine(dir, "resumed2", HeadsCheckpoint.FileName), Path.Combine(dir, "resumed1", HeadsCheckpoint.FileName), 1e-5);
            output.WriteLine($"after 6 steps, resumed on 1 and on 2 ranks: largest relative difference {worst.Rel:G3} ({worst.Key})");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
