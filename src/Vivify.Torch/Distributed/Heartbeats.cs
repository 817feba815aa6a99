using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Vivify.Torch.Distributed;

/// <summary>
/// The watchdog's messages: while a rank waits in a collective it tells its peers, every <see cref="Period"/>, the
/// number of the collective it waits in (rank 0 tells every rank, the others tell rank 0: 2(N − 1) small messages a
/// period, on a communicator of their own). A rank that has waited longer than the timeout looks up whom it waits
/// for: a peer last heard of in an earlier collective (it computes, hangs, or died), or one silent for the whole
/// timeout although last heard in this one (stopped while waiting).
/// </summary>
internal sealed unsafe class Heartbeats : IDisposable
{
    private const int Tag = 7301;
    private readonly IntPtr _comm;
    private readonly int _rank;
    private readonly int[] _peers;
    private readonly long[] _heard;
    private readonly long[] _heardAt;
    private readonly IntPtr[] _sends;
    private readonly long* _out;
    private bool _disposed;

    public Heartbeats(IntPtr comm, int rank, int size)
    {
        _comm = comm;
        _rank = rank;
        _peers = rank == 0 ? Enumerable.Range(1, size - 1).ToArray() : [0];
        _heard = Enumerable.Repeat(-1L, size).ToArray();
        _heardAt = new long[size];
        Array.Fill(_heardAt, Stopwatch.GetTimestamp());
        _sends = new IntPtr[size];
        _out = (long*)NativeMemory.AllocZeroed((nuint)(size * sizeof(long)));
    }

    public static TimeSpan Period => TimeSpan.FromMilliseconds(500);

    /// <summary>Tells the peers this rank waits in <paramref name="collective"/>, and reads what they told.</summary>
    public void Beat(long collective)
    {
        Receive();
        foreach (var p in _peers)
        {
            if (_sends[p] != IntPtr.Zero)
            {
                var done = 0;
                var r = _sends[p];
                Mpi.Test(&r, &done, null);
                _sends[p] = r;
                if (done == 0) continue; // the peer has not taken the last one: it is busy or gone; no pile-up
                _sends[p] = IntPtr.Zero;
            }
            _out[p] = collective;
            IntPtr request;
            if (Mpi.Isend((IntPtr)(_out + p), 1, Mpi.Int64, p, Tag, _comm, &request) == Mpi.Success) _sends[p] = request;
        }
    }

    private void Receive()
    {
        while (true)
        {
            var flag = 0;
            Mpi.Status status;
            if (Mpi.Iprobe(Mpi.AnySource, Tag, _comm, &flag, &status) != Mpi.Success || flag == 0) return;
            long value;
            if (Mpi.Recv((IntPtr)(&value), 1, Mpi.Int64, status.Source, Tag, _comm, &status) != Mpi.Success) return;
            _heard[status.Source] = Math.Max(_heard[status.Source], value);
            _heardAt[status.Source] = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>
    /// After waiting <paramref name="waited"/> (beyond the timeout) in <paramref name="collective"/>: the one line
    /// naming the rank waited for, or null when every peer this rank hears from is in it too and answers (rank 0,
    /// which hears from all, then decides; it reports MPI itself stuck when all are in and none is missing).
    /// </summary>
    public string? Culprit(long collective, TimeSpan waited, TimeSpan timeout)
    {
        Receive();
        var now = Stopwatch.GetTimestamp();
        foreach (var p in _peers)
        {
            var silent = Stopwatch.GetElapsedTime(_heardAt[p], now);
            var last = _heard[p] < 0 ? "never heard from it" : $"last heard {silent.TotalSeconds:0.0} s ago, in collective #{_heard[p]}";
            if (_heard[p] < collective)
                return $"rank {p} did not answer within {timeout.TotalSeconds:0.#} s: rank {_rank} waits for it in collective #{collective} ({last}); it hangs or died";
            if (silent > timeout)
                return $"rank {p} stopped answering: silent for {silent.TotalSeconds:0.0} s in collective #{collective}, where rank {_rank} waits; it hangs or died";
        }
        if (_rank == 0 || waited > 2 * timeout)
            return $"collective #{collective} has not completed in {waited.TotalSeconds:0} s although every rank is in it: MPI or the network is stuck";
        return null;
    }

    /// <summary>Reads what is left, frees the send buffer unless a send is still pending; idempotent, never waits.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Receive();
        var pending = false;
        for (var p = 0; p < _sends.Length; p++)
        {
            if (_sends[p] == IntPtr.Zero) continue;
            var done = 0;
            var r = _sends[p];
            Mpi.Test(&r, &done, null);
            pending |= done == 0;
        }
        // A send still pending (its peer gone) is left to MPI_Finalize, and its buffer with it.
        if (!pending) NativeMemory.Free(_out);
    }
}
