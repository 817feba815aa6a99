using Vivify.Server.Animate;

namespace Vivify.Server.Jobs;

/// <summary>
/// What one queued job does on a thread of its own (the one heavy thing running at a time): animate a picture,
/// train a stylization, render one. Cancelling stops it with nothing half-written left behind.
/// </summary>
internal interface IJobWork
{
    /// <summary>The result file, which must exist once <see cref="Run"/> returns (null: the job has none).</summary>
    string? Output { get; }

    /// <summary>The result's media type.</summary>
    string ContentType => "video/mp4";

    /// <summary>Files removed when the job finishes, whatever its end.</summary>
    IReadOnlyList<string> Inputs => [];

    /// <summary>Server paths and what clients call them, for error messages.</summary>
    IReadOnlyDictionary<string, string> Names => new Dictionary<string, string>();

    /// <summary>Does the work, reporting progress 0..1 and (where it makes them) finished frames to <paramref name="preview"/>.</summary>
    void Run(Action<double> progress, Action<Vivify.Media.RgbFrame> preview, CancellationToken cancel);
}

/// <summary>An animate job: <see cref="AnimateWork"/> run by the server's <see cref="IAnimateRunner"/>.</summary>
internal sealed class AnimateJobWork(AnimateWork work, IAnimateRunner runner) : IJobWork
{
    public AnimateWork Work { get; } = work;
    public string? Output => Work.Output;
    public IReadOnlyList<string> Inputs => [Work.Source, Work.Driving];

    public IReadOnlyDictionary<string, string> Names => new Dictionary<string, string>
    {
        [Work.Source] = "source", [Work.Driving] = "driving", [Work.Output] = "result",
        [Work.Model.Checkpoint] = Path.GetFileName(Work.Model.Checkpoint), [Work.Model.Config] = Path.GetFileName(Work.Model.Config),
    };

    public void Run(Action<double> progress, Action<Vivify.Media.RgbFrame> preview, CancellationToken cancel)
    {
        runner.Run(Work, progress, preview, cancel);
        if (!File.Exists(Work.Output)) throw new VivifyException("the animation wrote no video");
    }
}
