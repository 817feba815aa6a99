namespace Vivify;

/// <summary>
/// Where long loops (frames, training steps) report how far they are. Libraries take one and call
/// <see cref="Start"/> per loop; the CLI shows it as a progress bar, or as plain lines when its output
/// is not a terminal, or not at all with --quiet. <see cref="NoProgress"/> ignores everything.
/// </summary>
public interface IProgressReporter
{
    /// <summary>Begins one loop, e.g. ("compose", 300, "frames"); a null total means unknown.</summary>
    IProgressTask Start(string description, long? total, string unit = "frames");
}

/// <summary>One loop's progress; disposing it marks the loop finished.</summary>
public interface IProgressTask : IDisposable
{
    void Advance(long by = 1);

    /// <summary>A short running status shown beside the bar (e.g. the current losses); ignored where not shown.</summary>
    void Status(string text) { }
}

/// <summary>Reports nowhere.</summary>
public sealed class NoProgress : IProgressReporter, IProgressTask
{
    public static readonly NoProgress Instance = new();
    public IProgressTask Start(string description, long? total, string unit = "frames") => this;
    public void Advance(long by = 1) { }
    public void Dispose() { }
}

/// <summary>Where a loop stands, for <see cref="IProgress{T}"/>: <see cref="Done"/> of <see cref="Total"/> (null: unknown) <see cref="Unit"/>.</summary>
public sealed record ProgressReport(string Description, long Done, long? Total, string Unit, bool Finished = false, string? Status = null);

/// <summary>
/// An <see cref="IProgressReporter"/> over an <see cref="IProgress{T}"/>: every advance, status and end of a loop is
/// reported as a <see cref="ProgressReport"/> (with <see cref="Progress{T}"/>, on the synchronization context it was
/// made on).
/// </summary>
public sealed class ProgressReporter(IProgress<ProgressReport> progress) : IProgressReporter
{
    /// <summary>The reporter for a library call: <paramref name="target"/> wrapped, or <see cref="NoProgress"/> for null.</summary>
    public static IProgressReporter From(IProgress<ProgressReport>? target) =>
        target is null ? NoProgress.Instance : new ProgressReporter(target);

    public IProgressTask Start(string description, long? total, string unit = "frames")
    {
        progress.Report(new ProgressReport(description, 0, total, unit));
        return new Loop(progress, description, total, unit);
    }

    private sealed class Loop(IProgress<ProgressReport> sink, string description, long? total, string unit) : IProgressTask
    {
        private long _done;
        private bool _finished;

        public void Advance(long by = 1) => sink.Report(new ProgressReport(description, Interlocked.Add(ref _done, by), total, unit));

        public void Status(string text) => sink.Report(new ProgressReport(description, Interlocked.Read(ref _done), total, unit, Status: text));

        public void Dispose()
        {
            if (_finished) return;
            _finished = true;
            sink.Report(new ProgressReport(description, Interlocked.Read(ref _done), total, unit, Finished: true));
        }
    }
}
