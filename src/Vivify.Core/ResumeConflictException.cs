namespace Vivify;

/// <summary>
/// A training run's folder does not match the request: resuming a folder that holds no checkpoint, or starting anew in
/// one that already holds checkpoints (which would be overwritten). <see cref="LatestCheckpoint"/> says which.
/// </summary>
public sealed class ResumeConflictException : VivifyException
{
    /// <param name="runDirectory">the run's folder</param>
    /// <param name="latestCheckpoint">the newest checkpoint there when starting anew; null when resuming found none</param>
    public ResumeConflictException(string runDirectory, string? latestCheckpoint)
        : base(latestCheckpoint is null
            ? $"{runDirectory}: no checkpoint to resume from; start a new run there instead"
            : $"{runDirectory}: already holds checkpoints ({Path.GetFileName(latestCheckpoint)}); resume that run or choose a new run directory")
    {
        RunDirectory = runDirectory;
        LatestCheckpoint = latestCheckpoint;
    }

    /// <summary>The run's folder.</summary>
    public string RunDirectory { get; }

    /// <summary>The newest checkpoint in the folder (starting anew was asked), or null (resuming was asked; there is none).</summary>
    public string? LatestCheckpoint { get; }
}
