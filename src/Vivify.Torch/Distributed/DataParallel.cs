using TorchSharp;
using Vivify.Torch.Optim;
using static TorchSharp.torch;

namespace Vivify.Torch.Distributed;

/// <summary>
/// What every data-parallel trainer does besides averaging gradients (<see cref="GradientBuckets"/>): rank 0's
/// parameters, buffers and optimizer states broadcast to the others, each rank's shard of a global batch, and values
/// (losses) averaged over the ranks.
/// </summary>
public static class DataParallel
{
    /// <summary>
    /// Rank <paramref name="root"/>'s parameters and buffers into every rank's <paramref name="module"/> (the same
    /// network on every rank; a rank whose parameter names or shapes differ stops with an error naming it).
    /// </summary>
    public static void Broadcast(nn.Module module, ICommunicator comm, int root = 0)
    {
        if (comm.Size == 1) return;
        var tensors = module.named_parameters().Select(kv => (kv.name, (Tensor)kv.parameter))
            .Concat(module.named_buffers().Select(kv => (kv.name, kv.buffer))).ToList();
        Agree(string.Join(";", tensors.Select(t => $"{t.name}:{t.Item2.dtype}[{string.Join(",", t.Item2.shape)}]")), comm, root, module.GetName());
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (_, t) in tensors) BroadcastInPlace(t, comm, root);
    }

    /// <summary>
    /// Rank <paramref name="root"/>'s Adam state (each group's hyper-parameters, and step and moments of every
    /// parameter that has them) into every rank's <paramref name="optimizer"/>, whose parameters must already be equal.
    /// </summary>
    public static void Broadcast(Adam optimizer, ICommunicator comm, int root = 0)
    {
        if (comm.Size == 1) return;
        using var scope = NewDisposeScope();
        var groups = optimizer.ParamGroups;
        var hyper = tensor(groups.SelectMany(g => new[] { g.Lr, g.InitialLr ?? double.NaN, g.Betas.Beta1, g.Betas.Beta2, g.Eps, g.WeightDecay,
            g.Amsgrad ? 1 : 0, g.Maximize ? 1 : 0 }).ToArray(), dtype: ScalarType.Float64);
        comm.Broadcast(hyper, root);
        var h = hyper.data<double>().ToArray();
        for (var i = 0; i < groups.Count; i++)
        {
            var (g, o) = (groups[i], 8 * i);
            (g.Lr, g.InitialLr, g.Betas, g.Eps, g.WeightDecay, g.Amsgrad, g.Maximize) =
                (h[o], double.IsNaN(h[o + 1]) ? null : h[o + 1], (h[o + 2], h[o + 3]), h[o + 4], h[o + 5], h[o + 6] != 0, h[o + 7] != 0);
        }
        var ps = groups.SelectMany(g => g.Params.Select(p => (p, g.Amsgrad))).ToList();
        var has = tensor(ps.Select(x => optimizer.StateOf(x.p) is null ? 0L : 1L).ToArray(), dtype: ScalarType.Int64);
        comm.Broadcast(has, root);
        var flags = has.data<long>().ToArray();
        if (comm.Rank != root) optimizer.ClearState();
        for (var i = 0; i < ps.Count; i++)
        {
            if (flags[i] == 0) continue;
            var (p, amsgrad) = ps[i];
            if (comm.Rank != root) optimizer.SetState(p, AdamState.Fresh(p, amsgrad));
            var s = optimizer.StateOf(p)!;
            foreach (var t in new[] { s.Step, s.ExpAvg, s.ExpAvgSq, s.MaxExpAvgSq })
                if (t is not null) BroadcastInPlace(t, comm, root);
        }
    }

    /// <summary>
    /// This rank's part [Start, Start + Count) of a global batch of <paramref name="globalBatch"/> items; a batch that
    /// does not divide by the number of ranks is refused with a one-line error naming <paramref name="what"/>.
    /// </summary>
    public static (int Start, int Count) Shard(int globalBatch, ICommunicator comm, string what)
    {
        if (globalBatch % comm.Size != 0)
            throw new VivifyException($"{what} {globalBatch} does not divide among {comm.Size} ranks: the global batch is split evenly; use a multiple of {comm.Size}");
        var n = globalBatch / comm.Size;
        return (comm.Rank * n, n);
    }

    /// <summary>Rank <paramref name="root"/>'s number on every rank.</summary>
    public static long Broadcast(long value, ICommunicator comm, int root = 0)
    {
        if (comm.Size == 1) return value;
        using var t = tensor(new[] { value });
        comm.Broadcast(t, root);
        return t.item<long>();
    }

    /// <summary>Rank <paramref name="root"/>'s text on every rank (what the others pass is ignored).</summary>
    public static string Broadcast(string text, ICommunicator comm, int root = 0)
    {
        if (comm.Size == 1) return text;
        var bytes = comm.Rank == root ? System.Text.Encoding.UTF8.GetBytes(text) : [];
        var length = Broadcast(bytes.LongLength, comm, root);
        using var t = comm.Rank == root ? tensor(bytes.Select(b => (long)b).ToArray()) : zeros(length, dtype: ScalarType.Int64);
        comm.Broadcast(t, root);
        return System.Text.Encoding.UTF8.GetString(t.data<long>().Select(b => (byte)b).ToArray());
    }

    /// <summary>The mean over the ranks of each value (every rank passes the same names in the same order).</summary>
    public static Dictionary<string, double> Mean(IReadOnlyDictionary<string, double> values, ICommunicator comm)
    {
        if (comm.Size == 1) return values.ToDictionary();
        using var t = tensor(values.Values.ToArray(), dtype: ScalarType.Float64);
        comm.AllReduceSum(t);
        var sums = t.data<double>().ToArray();
        return values.Keys.Select((k, i) => (k, sums[i] / comm.Size)).ToDictionary();
    }

    /// <summary>Stops every rank with the same error when the ranks disagree on <paramref name="signature"/>.</summary>
    private static void Agree(string signature, ICommunicator comm, int root, string what)
    {
        var hash = BitConverter.ToInt64(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(signature)), 0);
        using var mine = tensor(new[] { hash });
        using var theirs = mine.clone();
        comm.Broadcast(theirs, root);
        using var differs = tensor(new[] { mine.item<long>() != theirs.item<long>() ? 1L : 0L });
        comm.AllReduceSum(differs);
        if (differs.item<long>() != 0)
            throw new VivifyException($"{what}: {differs.item<long>()} rank(s) hold a network that differs from rank {root}'s (parameter names, shapes or types); every rank must build the same model from the same configuration");
    }

    private static void BroadcastInPlace(Tensor t, ICommunicator comm, int root)
    {
        if (t.device_type == DeviceType.CPU && t.is_contiguous())
        {
            comm.Broadcast(t, root);
            return;
        }
        var host = t.detach().cpu().contiguous().clone();
        comm.Broadcast(host, root);
        t.detach().copy_(host);
    }
}
