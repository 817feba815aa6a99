namespace Vivify.Server.Jobs;

public enum JobState { Queued, Running, Done, Failed, Cancelled }

/// <summary>One job (animate, stylize training or rendering): its folder (server-named), its work, and where it stands. Thread-safe.</summary>
internal sealed class Job(string id, string folder, IJobWork work)
{
    private readonly object _lock = new();
    private JobState _state = JobState.Queued;
    private double _progress;
    private string? _error;
    private Vivify.Media.RgbFrame? _latest;

    public string Id { get; } = id;
    public string Folder { get; } = folder;
    public IJobWork Work { get; } = work;
    public CancellationTokenSource Cancel { get; } = new();
    public DateTime? FinishedUtc { get; private set; }

    /// <summary>The latest frame the job finished (its preview while it runs), or null before the first.</summary>
    public Vivify.Media.RgbFrame? LatestFrame { get => Volatile.Read(ref _latest); set => Volatile.Write(ref _latest, value); }

    public JobState State { get { lock (_lock) return _state; } }
    public string? Error { get { lock (_lock) return _error; } }
    public bool IsFinished => State is JobState.Done or JobState.Failed or JobState.Cancelled;

    public void Progress(double value)
    {
        lock (_lock) if (_state == JobState.Running) _progress = Math.Clamp(value, 0, 1);
    }

    /// <summary>Moves to <paramref name="state"/>; a finished job stays as it finished (false then).</summary>
    public bool MoveTo(JobState state, string? error = null)
    {
        lock (_lock)
        {
            if (_state is JobState.Done or JobState.Failed or JobState.Cancelled) return false;
            _state = state;
            _error = error;
            if (state == JobState.Done) _progress = 1;
            if (state is JobState.Done or JobState.Failed or JobState.Cancelled) FinishedUtc = DateTime.UtcNow;
            return true;
        }
    }

    /// <summary>What clients see: {"id", "state", "progress", "error", "position"} (position: jobs ahead while queued).</summary>
    public JobView View(int? position)
    {
        lock (_lock) return new JobView(Id, _state.ToString().ToLowerInvariant(), Math.Round(_progress, 4), _error, _state == JobState.Queued ? position : null);
    }
}

public sealed record JobView(string Id, string State, double Progress, string? Error, int? Position);
