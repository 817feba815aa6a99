using Vivify.Motion.Data;
using Vivify.Motion.Training;
using Vivify.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace Vivify.Motion.Tests;

/// <summary>
/// Motion training data-parallel under mpirun (Vivify.MpiHost, one thread per rank, float64): 2 ranks with half of
/// each global batch, synchronised batch norm and averaged gradients take the steps one process takes on the whole
/// batch. In float64 because in float32 the comparison is not about the ranks: a gradient that is zero in exact
/// arithmetic (a convolution bias before batch or instance norm, the keypoint bias under the spatial softmax) holds
/// only rounding noise, and Adam's first steps, normalised by that noise's own size, move such a parameter by ±lr
/// whatever the noise is; one process on 1 thread against the same on 2 threads differs as much (1e-2 relative on
/// those biases after one step of tiny.yaml).
/// </summary>
[Trait("Category", "Distributed")]
public class DataParallelTrainingTests(ITestOutputHelper output)
{
    private static readonly string Host = Path.Combine(AppContext.BaseDirectory, "Vivify.MpiHost.dll");
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    internal static string Data(string dir)
    {
        var path = Path.Combine(dir, "data");
        SyntheticDataset.Write(path, 5, 64, 6, seed: 5, VideoStorage.Strip, 0.2, NoProgress.Instance);
        return path;
    }

    [MpiFact]
    public void Two_ranks_take_the_steps_of_one_process_on_the_whole_batch()
    {
        var dir = TensorFiles.TempDir("vivify-dp-motion");
        try
        {
            var (config, data) = (TrainingConfigs.FommTiny(dir, epochs: 1, repeats: 3), Data(dir));
            foreach (var ranks in new[] { 1, 2 })
            {
                var r = MpiRun.Run(ranks, Host, ["motion", config, data, Path.Combine(dir, $"run{ranks}")], Limit);
                Assert.True(r.Code == 0, $"{ranks} rank(s): exit {r.Code}: {r.Err}");
                if (ranks == 2) Assert.Contains("data parallel over 2 ranks: global batch 4, 2 per rank", r.Err);
            }
            // Only rank 0 wrote: one log, one checkpoint, each row once.
            Assert.Equal(["00000000-checkpoint.pth.tar", "log.csv"], Directory.GetFiles(Path.Combine(dir, "run2")).Select(Path.GetFileName).Order());
            Assert.Equal(4, File.ReadAllLines(Path.Combine(dir, "run2", "log.csv")).Length);
            CheckpointCompare.Logs(Path.Combine(dir, "run1", "log.csv"), Path.Combine(dir, "run2", "log.csv"), 1e-5);
            var worst = CheckpointCompare.Within(Path.Combine(dir, "run1", "00000000-checkpoint.pth.tar"), Path.Combine(dir, "run2", "00000000-checkpoint.pth.tar"), 1e-5);
            output.WriteLine($"largest relative difference after 3 steps: {worst.Rel:G3} ({worst.Key})");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
