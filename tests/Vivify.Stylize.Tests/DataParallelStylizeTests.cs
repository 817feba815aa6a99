using Vivify.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace Vivify.Stylize.Tests;

/// <summary>
/// Stylization training data-parallel under mpirun (Vivify.MpiHost's `stylize` case, one thread per rank, float64
/// for the reason Vivify.Motion.Tests' DataParallelTrainingTests gives): 2 ranks with 2 of each step's 4 patches,
/// GeneratorJ's batch norm synchronised, take the steps one process takes on all 4 (weights, their average, batch-norm
/// statistics, Adam states); the 2-rank model resumed on 1 rank and on 2 takes the same further steps.
/// </summary>
[Trait("Category", "Distributed")]
public class DataParallelStylizeTests(ITestOutputHelper output)
{
    private static readonly string Host = Path.Combine(AppContext.BaseDirectory, "Vivify.MpiHost.dll");
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    [MpiFact]
    public void Two_ranks_take_the_steps_of_one_process_and_resume_on_one_or_two()
    {
        var dir = TensorFiles.TempDir("vivify-dp-stylize");
        try
        {
            string Train(int ranks, string name, string? from = null)
            {
                var model = Path.Combine(dir, name);
                if (from is not null) File.Copy(from, model);
                var r = MpiRun.Run(ranks, Host, from is null ? ["stylize", model] : ["stylize", model, "--resume"], Limit);
                Assert.True(r.Code == 0, $"{name}, {ranks} rank(s): exit {r.Code}: {r.Err}");
                return model;
            }
            var one = Train(1, "one.pth");
            var two = Train(2, "two.pth");
            var worst = CheckpointCompare.Within(one, two, 1e-5);
            output.WriteLine($"after 3 steps, largest relative difference {worst.Rel:G3} ({worst.Key})");
            var resumedOne = Train(1, "resumed1.pth", from: two);
            var resumedTwo = Train(2, "resumed2.pth", from: two);
            worst = CheckpointCompare.Within(resumedTwo, resumedOne, 1e-5);
            output.WriteLine($"after 6 steps, resumed on 1 and on 2 ranks: largest relative difference {worst.Rel:G3} ({worst.Key})");
            Assert.Equal(6L, ((Vivify.Torch.Checkpoints.PyDict)Vivify.Torch.Checkpoints.TorchFile.Load(resumedTwo)!)["steps"]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
