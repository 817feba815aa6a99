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
