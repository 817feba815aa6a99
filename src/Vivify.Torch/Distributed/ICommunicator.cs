using static TorchSharp.torch;

namespace Vivify.Torch.Distributed;

/// <summary>
/// The collectives data-parallel training needs, between the ranks (processes) of one job: what TorchSharp lacks of
/// <c>torch.distributed</c>. <see cref="MpiCommunicator"/> implements it over MPI, <see cref="SingleProcess"/> for a
/// job of one; an NCCL one would go behind the same calls. Every rank calls the same collectives in the same order.
/// Tensors are contiguous and on the CPU (a CUDA caller copies to the host first); float32, float64 or int64.
/// The one who starts it (<see cref="World.Start"/>) disposes it when the job ends; collectives on a disposed one
/// throw <see cref="ObjectDisposedException"/>.
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's rank, 0 … <see cref="Size"/> − 1; rank 0 writes the outputs.</summary>
    int Rank { get; }

    /// <summary>The number of ranks.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="t"/> on every rank by the sum over all ranks, in place.</summary>
    void AllReduceSum(Tensor t);

    /// <summary>Copies <paramref name="t"/> of rank <paramref name="root"/> into <paramref name="t"/> of every rank.</summary>
    void Broadcast(Tensor t, int root = 0);

    /// <summary>Returns when every rank has reached it.</summary>
    void Barrier();

    /// <summary>What was communicated so far (bytes, calls, seconds spent waiting in collectives).</summary>
    CommunicationStats Stats { get; }
}

/// <summary>Counters of a communicator: collectives, bytes given to them (per rank), seconds inside them.</summary>
public sealed class CommunicationStats
{
    public long Calls { get; private set; }
    public long Bytes { get; private set; }
    public double Seconds { get; private set; }

    internal void Add(long bytes, double seconds)
    {
        Calls++;
        Bytes += bytes;
        Seconds += seconds;
    }

    /// <summary>A copy of the counters now (subtract two to measure a step).</summary>
    public (long Calls, long Bytes, double Seconds) Snapshot() => (Calls, Bytes, Seconds);
}

/// <summary>A job of one process: every collective returns at once, with the tensor as it is. It owns nothing: one
/// instance for every caller, and <see cref="Dispose"/> does nothing.</summary>
public sealed class SingleProcess : ICommunicator
{
    public static readonly SingleProcess Instance = new();
    public int Rank => 0;
    public int Size => 1;
    public CommunicationStats Stats { get; } = new();
    public void AllReduceSum(Tensor t) { }
    public void Broadcast(Tensor t, int root = 0) { }
    public void Barrier() { }
    public void Dispose() { }
}
