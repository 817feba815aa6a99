// Animates a picture with the motion of a driving video (First Order Motion Model) through the Vivify.Motion package.
//   dotnet run -- CONFIG.yaml CHECKPOINT PICTURE DRIVING_VIDEO OUTPUT.mp4
// e.g. the published vox-256.yaml and vox-cpk.pth.tar with a portrait and a talking-head clip (ffmpeg on the PATH).
using Vivify;
using Vivify.Media;
using Vivify.Motion;

if (args.Length != 5)
{
    Console.Error.WriteLine("usage: Animate CONFIG.yaml CHECKPOINT PICTURE DRIVING_VIDEO OUTPUT.mp4");
    return 2;
}
var (config, checkpoint, picture, driving, output) = (args[0], args[1], args[2], args[3], args[4]);
try
{
    using var animator = Animator.Load(config, checkpoint);       // once: any number of sources and videos follow
    using var source = animator.PrepareSource(picture);           // once per picture: keypoints and features
    var video = VideoSource.Open(driving);
    var options = new AnimateOptions { Mode = MotionMode.Relative, BatchSize = 4 };
    var progress = ProgressReporter.From(new ConsoleProgress());
    var frames = animator.Animate(source, video, output, options, progress: progress);
    Console.WriteLine($"wrote {output}: {frames} frames of {animator.FrameSize.Width}x{animator.FrameSize.Height}");
    return 0;
}
catch (VivifyException e) // a missing or corrupt file, a checkpoint of another config, …: one line that says what to do
{
    Console.Error.WriteLine($"Animate: {e.Message}");
    return 1;
}

/// <summary>Progress on one console line, reported on the animating thread.</summary>
sealed class ConsoleProgress : IProgress<ProgressReport>
{
    public void Report(ProgressReport p)
    {
        Console.Write($"\r{p.Description}: {p.Done}{(p.Total is { } total ? $" of {total}" : "")} {p.Unit}");
        if (p.Finished) Console.WriteLine();
    }
}
