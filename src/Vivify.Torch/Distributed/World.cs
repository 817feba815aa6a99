using System.Globalization;

namespace Vivify.Torch.Distributed;

/// <summary>
/// The job this process belongs to. Under <c>mpirun -np N</c> (N &gt; 1) the rank and size come from Open MPI's
/// environment (<c>OMPI_COMM_WORLD_RANK</c>, <c>OMPI_COMM_WORLD_SIZE</c>) and <see cref="Start"/> initialises MPI;
/// otherwise, or with one rank, the job is this process alone and MPI is not loaded at all.
/// </summary>
public static class World
{
    /// <summary>The environment variable that sets the collective timeout in seconds (default <see cref="DefaultTimeout"/>).</summary>
    public const string TimeoutVariable = "VIVIFY_DIST_TIMEOUT";

    /// <summary>How long ranks wait in a collective for a missing rank before the job stops: 300 s.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(300);

    private static ICommunicator? _started;

    /// <summary>(rank, size) as mpirun set them, or (0, 1) outside mpirun.</summary>
    public static (int Rank, int Size) FromEnvironment()
    {
        var size = Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE");
        var rank = Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK");
        if (size is null) return (0, 1);
        if (!int.TryParse(size, CultureInfo.InvariantCulture, out var s) || s < 1 || !int.TryParse(rank, CultureInfo.InvariantCulture, out var r) || r < 0 || r >= s)
            throw new MissingDependencyException("mpirun", $"OMPI_COMM_WORLD_SIZE={size}, OMPI_COMM_WORLD_RANK={rank}: not a rank and size; start the job with mpirun");
        return (r, s);
    }

    /// <summary>
    /// This process's communicator: MPI's when mpirun started N &gt; 1 ranks (initialised on the first call, once per
    /// process), else <see cref="SingleProcess"/>. <paramref name="cancel"/> (Ctrl-C) ends a rank's wait in a collective.
    /// The caller disposes it at the end of the job (<see cref="Finish"/> first when the job went well); a later call
    /// returns the same one, disposed (MPI cannot be initialised twice in a process).
    /// </summary>
    public static ICommunicator Start(CancellationToken cancel = default)
    {
        if (_started is not null) return _started;
        var (_, size) = FromEnvironment();
        _started = size > 1 ? MpiCommunicator.Init(Timeout(), cancel) : SingleProcess.Instance;
        return _started;
    }

    /// <summary>Ends a job that went well: with MPI, a last barrier and MPI_Finalize (<see cref="MpiCommunicator.Finish"/>).</summary>
    public static void Finish(ICommunicator comm)
    {
        if (comm is MpiCommunicator mpi) mpi.Finish();
    }

    /// <summary>The collective timeout: <see cref="TimeoutVariable"/> seconds, else <see cref="DefaultTimeout"/>.</summary>
    public static TimeSpan Timeout()
    {
        var text = Environment.GetEnvironmentVariable(TimeoutVariable);
        if (string.IsNullOrEmpty(text)) return DefaultTimeout;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0
            ? TimeSpan.FromSeconds(s)
            : throw new MissingDependencyException(TimeoutVariable, $"{TimeoutVariable}={text}: give the collective timeout in seconds (a positive number)");
    }
}
