using TorchSharp;
using Vivify.TestSupport;
using Vivify.Torch.Distributed;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Distributed;

/// <summary>The MPI layer under mpirun on loopback (Vivify.MpiHost's cases), one thread per rank.</summary>
[Trait("Category", "Distributed")]
public class MpiLayerTests
{
    private static readonly string Host = Path.Combine(AppContext.BaseDirectory, "Vivify.MpiHost.dll");
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [MpiFact]
    public void Collectives_broadcast_and_gradient_buckets_agree_on_three_ranks()
    {
        var r = MpiRun.Run(3, Host, ["collectives"], Limit);
        Assert.True(r.Code == 0, $"exit {r.Code}: {r.Err}");
        Assert.Equal(["rank 0 ok", "rank 1 ok", "rank 2 ok"], r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order());
    }

    /// <summary>
    /// 2 ranks × 4 samples with synchronised batch norm equal one BatchNorm2d on all 8, twice (running statistics
    /// accumulating): outputs, input gradients, parameter gradients averaged over the ranks, running statistics.
    /// Each rank's loss is the mean over its shard, i.e. 2× its part of the whole batch's mean: its input gradient is
    /// 2× the whole batch's there, and the average of the ranks' parameter gradients is the whole batch's.
    /// </summary>
    [MpiFact]
    public void Synchronised_batch_norm_on_two_ranks_equals_batch_norm_on_the_whole_batch()
    {
        var dir = TensorFiles.TempDir("vivify-syncbn");
        try
        {
            var r = MpiRun.Run(2, Host, ["syncbn", dir], Limit);
            Assert.True(r.Code == 0, $"exit {r.Code}: {r.Err}");
            var ranks = new[] { TensorFiles.Read(Path.Combine(dir, "rank0")), TensorFiles.Read(Path.Combine(dir, "rank1")) };

            var (x, upstream, norm) = Vivify.MpiHost.SyncBatchNormProblem.Make(); // what the ranks built, whole
            using var _x = x;
            using var _upstream = upstream;
            using var _norm = norm;
            const double rtol = 1e-5;
            for (var pass = 0; pass < 2; pass++)
            {
                var whole = (x * (1 + pass)).detach().requires_grad_(true);
                var y = norm.forward(whole);
                (y * upstream).mean().backward();
                TensorAssert.RelativeNorm(y.detach(), cat([ranks[0][$"y{pass}"], ranks[1][$"y{pass}"]]), rtol, $"output {pass}");
                TensorAssert.RelativeNorm(whole.grad! * 2, cat([ranks[0][$"dx{pass}"], ranks[1][$"dx{pass}"]]), rtol, $"input gradient {pass}");
                foreach (var rank in ranks)
                {
                    TensorAssert.RelativeNorm(norm.weight.grad!, rank[$"dweight{pass}"], rtol, $"weight gradient {pass}");
                    TensorAssert.RelativeNorm(norm.bias!.grad!, rank[$"dbias{pass}"], rtol, $"bias gradient {pass}");
                }
                norm.weight.grad!.zero_();
                norm.bias!.grad!.zero_();
            }
            foreach (var rank in ranks)
            {
                TensorAssert.RelativeNorm(norm.running_mean!, rank["running_mean"], rtol, "running mean");
                TensorAssert.RelativeNorm(norm.running_var!, rank["running_var"], rtol, "running variance");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// A rank that stops taking part (it sleeps outside MPI) is named by the rank waiting for it once the timeout (3 s
    /// here) has passed, on one line, and the job ends non-zero with no rank left running.
    /// </summary>
    [MpiFact]
    public void A_hung_rank_is_named_and_the_job_stops_within_the_timeout()
    {
        var r = MpiRun.Run(2, Host, ["hang"], Limit, new Dictionary<string, string> { [World.TimeoutVariable] = "3" });
        Assert.NotEqual(0, r.Code);
        Assert.Contains("vivify: rank 1 did not answer within 3 s: rank 0 waits for it", r.Err);
        AssertNoRankLeft(r.Err, ranks: 2);
        // Start-up (two .NET processes on a loaded machine) plus the 3 s timeout, plus the heartbeat period.
        Assert.True(r.Elapsed < TimeSpan.FromSeconds(60), $"took {r.Elapsed}");
    }

    /// <summary>
    /// After Finish, Dispose twice is safe and every collective throws ObjectDisposedException on both ranks (before,
    /// a collective after MPI_Finalize was an MPI error that aborted the job); the job ends 0.
    /// </summary>
    [MpiFact]
    public void A_finished_communicator_is_disposed_idempotently_and_refuses_collectives()
    {
        var r = MpiRun.Run(2, Host, ["dispose"], Limit);
        Assert.True(r.Code == 0, $"exit {r.Code}: {r.Err}");
        Assert.Equal(["rank 0 ok", "rank 1 ok"], r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order());
    }

    /// <summary>
    /// A rank that fails disposes its communicator on the way out without waiting for the others (no barrier, no
    /// MPI_Finalize): the job ends non-zero long before the collective timeout (300 s here, the default), with the
    /// failure on stderr and no rank left running.
    /// </summary>
    [MpiFact]
    public void A_failing_rank_disposes_without_waiting_and_the_job_stops()
    {
        var r = MpiRun.Run(2, Host, ["fail"], Limit);
        Assert.NotEqual(0, r.Code);
        Assert.Contains("rank 1 fails on purpose", r.Err);
        AssertNoRankLeft(r.Err, ranks: 2);
        Assert.True(r.Elapsed < TimeSpan.FromSeconds(60), $"took {r.Elapsed}");
    }

    /// <summary>Each rank printed "rank R pid P in step" on stderr; none of those processes is left running.</summary>
    private static void AssertNoRankLeft(string err, int ranks)
    {
        var pids = err.Split('\n').Where(l => l.Contains(" pid ", StringComparison.Ordinal)).Select(l => int.Parse(l.Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(ranks, pids.Count);
        Assert.All(pids, pid => Assert.True(MpiRun.Gone(pid), $"rank process {pid} is still running 10 s after mpirun ended"));
    }

    [Fact]
    public void Without_mpirun_the_world_is_this_process_and_MPI_is_not_loaded()
    {
        if (Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null) return; // the test host itself under mpirun
        using var comm = World.Start();
        Assert.Same(SingleProcess.Instance, comm);
        Assert.Equal((0, 1), World.FromEnvironment());
        Assert.DoesNotContain(System.Diagnostics.Process.GetCurrentProcess().Modules.Cast<System.Diagnostics.ProcessModule>(), m => m.ModuleName.StartsWith("libmpi", StringComparison.Ordinal));
    }
}
