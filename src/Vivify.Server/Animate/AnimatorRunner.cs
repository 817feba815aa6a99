using Vivify.Media;
using Vivify.Motion;

namespace Vivify.Server.Animate;

/// <summary>
/// <see cref="IAnimateRunner"/> on Vivify.Motion's public <see cref="Animator"/>: the source prepared, the driving video
/// animated into the job's output (which appears only when whole), progress and cancellation passed through.
/// </summary>
internal sealed class AnimatorRunner(AnimatorCache animators) : IAnimateRunner
{
    public void Run(AnimateWork work, Action<double> progress, CancellationToken cancel) => Run(work, progress, _ => { }, cancel);

    /// <summary>
    /// As the library's <c>Animate(source, driving, outputPath)</c> (encoded behind on another thread, the driving
    /// video's frame rate and audio, the output only when whole), with each finished frame also handed to <paramref name="preview"/>.
    /// </summary>
    public void Run(AnimateWork work, Action<double> progress, Action<RgbFrame> preview, CancellationToken cancel)
    {
        var animator = animators.Get(work.Model, work.BFloat16);
        using var source = animator.PrepareSource(work.Source);
        var driving = VideoSource.Open(work.Driving);
        var options = new AnimateOptions { Mode = work.Relative ? MotionMode.Relative : MotionMode.Absolute, InitialFrame = work.DrivingStart };
        var (height, width) = animator.FrameSize;
        var write = new VideoWriteOptions { FrameRate = driving.Info.FrameRate, AudioFrom = driving.Info.Path, AudioFromInfo = driving.Info, TimingFrom = driving.Info };
        using var writer = new BackgroundVideoWriter(new VideoWriter(work.Output, write), capacity: 2 * options.BatchSize, size: (width, height));
        animator.Animate(source, driving, frame =>
        {
            writer.Write(frame);
            preview(frame);
        }, options, new JobProgress(progress), cancel);
        cancel.ThrowIfCancellationRequested();
        writer.Complete();
    }

    /// <summary>The library's progress loops as the job's fraction done.</summary>
    private sealed class JobProgress(Action<double> report) : IProgressReporter, IProgressTask
    {
        private long _done;
        private long? _total;

        public IProgressTask Start(string description, long? total, string unit = "frames")
        {
            _done = 0;
            _total = total;
            return this;
        }

        public void Advance(long by = 1)
        {
            _done += by;
            if (_total is > 0) report(Math.Min(1, (double)_done / _total.Value));
        }

        public void Dispose() { }
    }
}
