using Vivify.Media;
using Vivify.Motion;
using static TorchSharp.torch;

namespace Vivify.Server.Animate;

/// <summary>
/// <see cref="IAnimateRunner"/> on the library pieces that exist today: Vivify.Motion's <see cref="MotionTransfer"/>
/// (prepare the source once, keypoints and predictions per batch of driving frames) and Vivify.Media's readers and
/// writer (the video appears only when whole). The server's only glue is resizing frames to the model's size and
/// batching them. When Vivify.Motion gains its public Animator (the library-first issue), this class becomes a call
/// to it.
/// </summary>
internal sealed class MotionLibraryRunner(MotionModels models) : IAnimateRunner
{
    private const int Batch = 4;

    public void Run(AnimateWork work, Action<double> progress, CancellationToken cancel)
    {
        var model = models.Get(work.Model, work.BFloat16);
        var video = VideoSource.Open(work.Driving);
        var frameCount = video.Info.FrameCount;
        if (frameCount > 0 && work.DrivingStart >= frameCount)
            throw new VivifyException($"frame {work.DrivingStart}: the driving video has {frameCount} frames (0 to {frameCount - 1}); choose an earlier one");
        var options = new AnimationOptions(Relative: work.Relative);
        using var source = Resized(ImageIO.ReadFrame(work.Source), model);
        using var sourceBatch = source.unsqueeze(0);
        using var prepared = model.Transfer.Prepare(sourceBatch);
        var writeOptions = new VideoWriteOptions { FrameRate = video.Info.FrameRate, AudioFrom = video.Info.Audio is null ? null : work.Driving };
        using var writer = new VideoWriter(work.Output, writeOptions);
        var initial = work.DrivingStart == 0 ? null : InitialKeypoints(model, video.ReadFrame(work.DrivingStart));
        try
        {
            var pending = new List<RgbFrame>(Batch);
            long done = 0;
            void Flush()
            {
                if (pending.Count == 0) return;
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var frames = stack(pending.Select(f => Geometry.Resize(f.ToTensor(), model.Height, model.Width)).ToArray());
                var keypoints = model.Transfer.DetectKeypoints(frames);
                initial ??= keypoints.Item(0).DetachFromDisposeScope();
                var predictions = model.Transfer.Animate(prepared, frames, initial, options, keypoints);
                for (var i = 0; i < pending.Count; i++) writer.Write(predictions[i]);
                done += pending.Count;
                pending.Clear();
                if (frameCount > 0) progress(Math.Min(1, (double)done / frameCount));
            }
            foreach (var frame in video.Frames(0, null, cancel))
            {
                pending.Add(frame);
                if (pending.Count == Batch) Flush();
            }
            Flush();
        }
        finally { initial?.Dispose(); }
        if (writer.FramesWritten == 0) throw new VivifyException("no frame of the driving video could be read; check the video");
        cancel.ThrowIfCancellationRequested();
        writer.Complete();
    }

    private static Tensor Resized(RgbFrame frame, LoadedMotionModel model)
    {
        using var image = frame.ToTensor();
        return Geometry.Resize(image, model.Height, model.Width);
    }

    private static Keypoints InitialKeypoints(LoadedMotionModel model, RgbFrame frame)
    {
        using var scope = NewDisposeScope();
        return model.Transfer.DetectKeypoints(Resized(frame, model).unsqueeze(0)).MoveToOuterDisposeScope();
    }
}
