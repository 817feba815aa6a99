using TorchSharp;
using Vivify.TestSupport;
using Vivify.Torch.Distributed;
using Vivify.Torch.Optim;
using static TorchSharp.torch;

namespace Vivify.MpiHost;

internal static class Cases
{
    /// <summary>All-reduce, broadcast and barrier; module, optimizer and gradient averaging; each rank checks its results.</summary>
    public static void Collectives(ICommunicator comm)
    {
        var n = comm.Size;
        var sumOfRanks = n * (n + 1) / 2.0;
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64, ScalarType.Int64 })
        {
            using var t = (arange(1000, dtype: ScalarType.Float64) * (comm.Rank + 1)).to(dtype);
            comm.AllReduceSum(t);
            using var expected = (arange(1000, dtype: ScalarType.Float64) * sumOfRanks).to(dtype);
            Check(t.eq(expected).all().item<bool>(), $"all-reduce {dtype}");
        }
        using (var empty = zeros(0)) comm.AllReduceSum(empty);
        using (var slice = arange(10, dtype: ScalarType.Float32))
        {
            comm.AllReduceSum(slice.narrow(0, 4, 3)); // an offset into the storage
            Check(slice[5].item<float>() == 5 * n && slice[3].item<float>() == 3 && slice[7].item<float>() == 7, "all-reduce of a view");
        }
        var root = n - 1;
        using (var b = full(17, (double)comm.Rank, dtype: ScalarType.Float64))
        {
            comm.Broadcast(b, root);
            Check(b.eq(root).all().item<bool>(), "broadcast from the last rank");
        }
        comm.Barrier();

        // Rank-dependent initial weights become rank 0's; optimizer state follows.
        manual_seed(100 + comm.Rank);
        using var net = nn.Sequential(nn.Linear(5, 7), nn.BatchNorm1d(7), nn.Linear(7, 3));
        var ps = net.parameters().ToList();
        using var adam = new Adam(ps, lr: 0.01 * (comm.Rank + 1));
        if (comm.Rank == 0)
        {
            using var x0 = randn(4, 5);
            net.forward(x0).sum().backward();
            adam.step();
            adam.zero_grad();
        }
        DataParallel.Broadcast(net, comm);
        DataParallel.Broadcast(adam, comm);
        using var fingerprint = tensor(new[] { Fingerprint(net, adam), adam.ParamGroups[0].Lr });
        using var all = fingerprint.clone();
        comm.AllReduceSum(all);
        Check(all.allclose(fingerprint * n, rtol: 1e-12, atol: 0), "parameters, buffers and Adam state equal rank 0's");

        // Gradients averaged in buckets of 100 bytes (several calls), a parameter without gradient left so.
        using var unused = nn.Parameter(zeros(3));
        using var averaged = new GradientBuckets(ps.Append(unused), comm, bucketBytes: 100);
        Check(averaged.Count > 3, $"{averaged.Count} buckets");
        foreach (var p in ps) p.grad = full_like(p, comm.Rank + 1.0);
        averaged.Average();
        foreach (var p in ps) Check(p.grad!.eq((float)(sumOfRanks / n)).all().item<bool>(), "averaged gradient");
        Check(unused.grad is null, "no gradient stays none");
    }

    private static double Fingerprint(nn.Module net, Adam adam)
    {
        using var scope = NewDisposeScope();
        var s = 0.0;
        var i = 1;
        foreach (var t in net.parameters().Cast<Tensor>().Concat(net.buffers()))
            s += (t.to(ScalarType.Float64).sum().item<double>() + 1) * i++;
        foreach (var p in net.parameters())
            if (adam.StateOf(p) is { } st)
                s += (st.ExpAvg.to(ScalarType.Float64).sum().item<double>() + st.ExpAvgSq.to(ScalarType.Float64).sum().item<double>() + st.Step.item<float>()) * i++;
        return s;
    }

    /// <summary>
    /// Synchronised batch norm on this rank's shard of a seeded global batch, twice (running statistics accumulate):
    /// writes OUT/rank{R}/ (outputs, input gradients, averaged parameter gradients, running statistics).
    /// </summary>
    public static void SyncBatchNorm(ICommunicator comm, string outDir)
    {
        var (x, upstream, norm) = SyncBatchNormProblem.Make();
        using var _x = x;
        using var _upstream = upstream;
        using var _norm = norm;
        SynchronizedBatchNorm.Convert(norm, comm);
        var (start, count) = DataParallel.Shard(SyncBatchNormProblem.Batch, comm, "batch");
        using var buckets = new GradientBuckets(norm.parameters(), comm);
        var result = new Dictionary<string, Tensor>();
        for (var pass = 0; pass < 2; pass++)
        {
            var shard = (x.narrow(0, start, count) * (1 + pass)).detach().requires_grad_(true);
            var y = SynchronizedBatchNorm.forward(norm, shard);
            (y * upstream.narrow(0, start, count)).mean().backward();
            buckets.Average();
            result[$"y{pass}"] = y.detach().clone();
            result[$"dx{pass}"] = shard.grad!.clone();
            result[$"dweight{pass}"] = norm.weight.grad!.clone();
            result[$"dbias{pass}"] = norm.bias!.grad!.clone();
            norm.weight.grad!.zero_();
            norm.bias.grad!.zero_();
        }
        result["running_mean"] = norm.running_mean!.clone();
        result["running_var"] = norm.running_var!.clone();
        TensorFiles.Write(Path.Combine(outDir, $"rank{comm.Rank}"), result);
    }

    /// <summary>The last rank stops taking part (sleeps outside MPI) while the others wait in a barrier.</summary>
    public static void Hang(ICommunicator comm)
    {
        comm.Barrier();
        Console.Error.WriteLine($"rank {comm.Rank} pid {Environment.ProcessId} in step");
        if (comm.Rank == comm.Size - 1) Thread.Sleep(Timeout.Infinite);
        comm.Barrier();
    }

    /// <summary>
    /// The communicator's end of life: Finish (barrier, MPI_Finalize), then Dispose twice (idempotent), then a
    /// collective, which throws ObjectDisposedException (not an MPI error after MPI_Finalize, which aborts the job).
    /// </summary>
    public static void Dispose(ICommunicator comm)
    {
        comm.Barrier();
        World.Finish(comm);
        comm.Dispose();
        comm.Dispose();
        World.Finish(comm); // a second Finish does nothing
        foreach (var (what, call) in new (string, Action)[] { ("barrier", comm.Barrier), ("all-reduce", () => { using var t = ones(3); comm.AllReduceSum(t); }), ("broadcast", () => { using var t = ones(3); comm.Broadcast(t); }) })
        {
            try
            {
                call();
                Check(false, $"a {what} after Dispose returned");
            }
            catch (ObjectDisposedException) { }
        }
        Check(ReferenceEquals(World.Start(), comm), "World.Start after the end returns the same, disposed, communicator");
    }

    /// <summary>
    /// The last rank fails (an exception: its <c>using</c> disposes the communicator without Finish) while the others
    /// wait for it in a barrier: the failing rank's Dispose must not wait for them, and its exit ends the job.
    /// </summary>
    public static void Fail(ICommunicator comm)
    {
        comm.Barrier();
        Console.Error.WriteLine($"rank {comm.Rank} pid {Environment.ProcessId} in step");
        if (comm.Rank == comm.Size - 1) throw new InvalidOperationException($"rank {comm.Rank} fails on purpose");
        comm.Barrier();
    }

    private static void Check(bool ok, string what)
    {
        if (!ok) throw new InvalidOperationException($"check failed: {what}");
    }
}
