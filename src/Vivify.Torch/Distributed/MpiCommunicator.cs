using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Torch.Distributed;

/// <summary>
/// <see cref="ICommunicator"/> over MPI (Open MPI through <see cref="Mpi"/>), one per process, made by
/// <see cref="World.Start"/>. Each collective is MPI's non-blocking one, waited for by polling so that the wait can
/// end: after <see cref="Timeout"/> without completing, the rank names the rank it waits for on one line of stderr
/// (<see cref="Heartbeats"/>) and aborts the job (MPI_Abort: mpirun ends every rank); a signal (the cancellation token:
/// Ctrl-C, or mpirun's SIGTERM) ends the wait and the process. A rank that dies is reported by mpirun itself ("process
/// rank 1 … exited on signal 9"), which then ends the others.
/// MPI is initialised with MPI_THREAD_SERIALIZED: calls come from one thread at a time (the autograd engine may run
/// the synchronised batch norm's backward on a thread of its own).
/// Its creator disposes it (<c>using var world = World.Start(cancel)</c>): after <see cref="Finish"/> on a job that
/// went well, or alone on the way out of one that failed (see <see cref="Dispose"/>). A disposed communicator throws
/// <see cref="ObjectDisposedException"/> on every collective.
/// </summary>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    private readonly IntPtr _world;
    private readonly Heartbeats _heartbeats;
    private readonly CancellationToken _cancel;
    private long _collectives;
    private bool _finished, _disposed;

    private MpiCommunicator(TimeSpan timeout, CancellationToken cancel)
    {
        Mpi.Load();
        var initialized = 0;
        Mpi.Check(Mpi.Initialized(&initialized), "MPI_Initialized");
        if (initialized != 0) throw new InvalidOperationException("MPI is initialised already: one MpiCommunicator per process (World.Start)");
        var provided = 0;
        Mpi.Check(Mpi.Init_thread(null, IntPtr.Zero, Mpi.ThreadSerialized, &provided), "MPI_Init_thread");
        if (provided < Mpi.ThreadSerialized)
            throw new MissingDependencyException("libmpi", $"MPI: this Open MPI gives thread level {provided}, and Vivify needs MPI_THREAD_SERIALIZED (2); use an Open MPI built with thread support");
        _world = Mpi.CommWorld;
        int rank, size;
        Mpi.Check(Mpi.Comm_rank(_world, &rank), "MPI_Comm_rank");
        Mpi.Check(Mpi.Comm_size(_world, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
        IntPtr beats;
        Mpi.Check(Mpi.Comm_dup(_world, &beats), "MPI_Comm_dup");
        Mpi.Check(Mpi.Comm_set_errhandler(beats, Mpi.ErrorsReturn), "MPI_Comm_set_errhandler");
        _heartbeats = new Heartbeats(beats, rank, size);
        Timeout = timeout;
        _cancel = cancel;
    }

    /// <summary>Initialises MPI (once per process).</summary>
    internal static MpiCommunicator Init(TimeSpan timeout, CancellationToken cancel) => new(timeout, cancel);

    public int Rank { get; }
    public int Size { get; }
    public CommunicationStats Stats { get; } = new();

    /// <summary>How long a collective may wait for the slowest rank before the job is stopped.</summary>
    public TimeSpan Timeout { get; }

    public void AllReduceSum(Tensor t)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (type, size) = TypeOf(t, "all-reduce");
        var p = TensorMemory.Pointer(t, "all-reduce");
        var clock = Stopwatch.StartNew();
        foreach (var (offset, count) in Chunks(t.numel()))
        {
            IntPtr request;
            Mpi.Check(Mpi.Iallreduce(Mpi.InPlace, p + (nint)(offset * size), count, type, Mpi.OpSum, _world, &request), "MPI_Iallreduce");
            Wait(request, "all-reduce");
        }
        Stats.Add(t.numel() * size, clock.Elapsed.TotalSeconds);
    }

    public void Broadcast(Tensor t, int root = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (type, size) = TypeOf(t, "broadcast");
        var p = TensorMemory.Pointer(t, "broadcast");
        var clock = Stopwatch.StartNew();
        foreach (var (offset, count) in Chunks(t.numel()))
        {
            IntPtr request;
            Mpi.Check(Mpi.Ibcast(p + (nint)(offset * size), count, type, root, _world, &request), "MPI_Ibcast");
            Wait(request, "broadcast");
        }
        Stats.Add(t.numel() * size, clock.Elapsed.TotalSeconds);
    }

    public void Barrier()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var clock = Stopwatch.StartNew();
        IntPtr request;
        Mpi.Check(Mpi.Ibarrier(_world, &request), "MPI_Ibarrier");
        Wait(request, "barrier");
        Stats.Add(0, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The end of a job that went well: a last barrier, this rank's resources released (<see cref="Dispose"/>), then
    /// MPI_Finalize. A rank that fails does not call it; its exit makes mpirun end the others. Idempotent; after a
    /// <see cref="Dispose"/> without it, throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Finish()
    {
        if (_finished) return;
        Barrier();
        Dispose();
        _finished = true;
        Mpi.Check(Mpi.Finalize(), "MPI_Finalize");
    }

    /// <summary>
    /// Releases what this rank holds (the heartbeats' send buffer; one that a send to a gone peer still uses is left to
    /// MPI) without waiting for any other rank; idempotent. Alone (no <see cref="Finish"/> before: a rank on its way out of a failure) it neither waits in a
    /// barrier nor calls MPI_Finalize, which waits for every rank and would hang on a failed one: the process's exit
    /// makes mpirun end the others, as before, and a peer waiting in a collective still stops at its timeout.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _heartbeats.Dispose();
    }

    /// <summary>Prints <paramref name="message"/> as this rank's one line and stops every rank of the job.</summary>
    public void Abort(string message, int code = 1)
    {
        Console.Error.WriteLine($"vivify: {message}; stopping all {Size} ranks");
        Console.Error.Flush();
        if (!_finished) Mpi.Abort(_world, code); // after MPI_Finalize only the exit is left
        Environment.Exit(code);
    }

    private void Wait(IntPtr request, string what)
    {
        var collective = ++_collectives;
        var start = Stopwatch.GetTimestamp();
        var nextBeat = Heartbeats.Period; // short waits (most) send nothing
        for (var polls = 0; ; polls++)
        {
            var done = 0;
            Mpi.Check(Mpi.Test(&request, &done, null), $"MPI_Test ({what})");
            if (done != 0) return;
            var waited = Stopwatch.GetElapsedTime(start);
            // Poll (MPI progresses a non-blocking collective only inside MPI_Test), yielding the core now and then to a rank
            // that shares it; after a second the peer is computing, not transferring: poll gently.
            if (waited < TimeSpan.FromSeconds(1)) { if (polls % 64 == 63) Thread.Yield(); }
            else Thread.Sleep(1);
            if (waited < nextBeat) continue;
            nextBeat = waited + Heartbeats.Period;
            if (_cancel.IsCancellationRequested)
            {
                // SIGINT/SIGTERM: Ctrl-C, or mpirun ending the job after another rank failed (it names that rank).
                Console.Error.WriteLine($"vivify: rank {Rank}: stopped by a signal while waiting in collective #{collective} ({what})");
                Environment.Exit(130);
            }
            _heartbeats.Beat(collective);
            if (waited > Timeout && _heartbeats.Culprit(collective, waited, Timeout) is { } culprit) Abort(culprit);
        }
    }

    private static (IntPtr Type, long Size) TypeOf(Tensor t, string what) => t.dtype switch
    {
        ScalarType.Float32 => (Mpi.Float, 4),
        ScalarType.Float64 => (Mpi.Double, 8),
        ScalarType.Int64 => (Mpi.Int64, 8),
        _ => throw new ArgumentException($"{what}: {t.dtype} tensors are not supported; use float32, float64 or int64", nameof(t)),
    };

    /// <summary>MPI counts are ints: pieces of at most 2³⁰ elements.</summary>
    private static IEnumerable<(long Offset, int Count)> Chunks(long n)
    {
        const long max = 1L << 30;
        for (long o = 0; o < n; o += max) yield return (o, (int)Math.Min(max, n - o));
        if (n == 0) yield return (0, 0);
    }
}
