namespace Vivify.Server.Animate;

/// <summary>One animate job as the runner gets it: validated uploads at server-chosen paths, the model, the options.</summary>
/// <param name="Relative">movement relative to the initial driving frame (the published --relative), else absolute</param>
/// <param name="BFloat16">bf16 instead of fp32 inference</param>
/// <param name="DrivingStart">the driving frame whose pose is the source's (0: the first)</param>
/// <param name="Output">where the video is written: it must appear there only when whole</param>
public sealed record AnimateWork(ModelEntry Model, string Source, string Driving, string Output, bool Relative, bool BFloat16, long DrivingStart);

/// <summary>
/// The one call a job makes into the library: animate <see cref="AnimateWork.Source"/> with the motion of
/// <see cref="AnimateWork.Driving"/>, writing <see cref="AnimateWork.Output"/>, reporting progress 0..1, stopping
/// (with nothing written) when cancelled. Runs on the job's own thread; one call at a time.
/// </summary>
public interface IAnimateRunner
{
    void Run(AnimateWork work, Action<double> progress, CancellationToken cancel);

    /// <summary>As <see cref="Run(AnimateWork, Action{double}, CancellationToken)"/>, also handing each finished frame to <paramref name="preview"/> (runners without previews ignore it).</summary>
    void Run(AnimateWork work, Action<double> progress, Action<Vivify.Media.RgbFrame> preview, CancellationToken cancel) => Run(work, progress, cancel);
}
