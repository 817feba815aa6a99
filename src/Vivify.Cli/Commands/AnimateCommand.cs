using System.CommandLine;
using Vivify.Media;
using Vivify.Motion;

namespace Vivify.Cli.Commands;

/// <summary>
/// `vivify animate --source IMAGE --driving VIDEO|DIR --checkpoint FILE --config YAML -o OUT`: First Order
/// Motion Model motion transfer, as the published demo.py does it (relative keypoint movement and Jacobians
/// against an initial driving frame by default), through <see cref="Animator"/>.
/// </summary>
public static class AnimateCommand
{
    public static Command Create()
    {
        var source = new Option<string>("--source", "-s") { Description = "The picture to animate (png, jpg, …)", Required = true };
        var driving = new Option<string>("--driving", "-d") { Description = "The driving video, or a directory of numbered frames", Required = true };
        var checkpoint = new Option<string>("--checkpoint", "-c") { Description = "A First Order Motion Model checkpoint (e.g. vox-cpk.pth.tar: generator, kp_detector)", Required = true };
        var config = new Option<string>("--config") { Description = "The checkpoint's YAML config (e.g. configs/vox-adv-256.yaml or the published config/vox-256.yaml)", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Output: .mp4/.mov/.mkv, .gif, or a directory (00000.png, 00001.png, …)", Required = true };
        var mode = new Option<string>("--mode") { Description = "relative: movement and Jacobians relative to the initial driving frame (the published --relative); absolute: driving keypoints as they are", DefaultValueFactory = _ => "relative" };
        var adapt = new Option<bool>("--adapt-scale") { Description = "Scale the movement by the ratio of the keypoints' convex-hull areas (source / initial driving frame); relative mode only" };
        var start = new Option<long>("--driving-start") { Description = "The driving frame treated as the initial one (whose pose is the source's); every frame is still animated, as the published --best_frame does (under --frame paste|crop: for the scene it is in; the others start at their first frame)" };
        var sideBySide = new Option<bool>("--side-by-side") { Description = "Write source | driving | result panels with labels instead of the result alone" };
        var precision = new Option<string>("--precision") { Description = "fp32, or bf16 (faster on CPUs with fast bf16 arithmetic, AMX or AMD's AVX512-BF16, and computed in fp32 on others; frames about 40 dB PSNR from fp32's, depending on the model)", DefaultValueFactory = _ => "fp32" };
        var batch = new Option<int>("--batch") { Description = "Driving frames per batch through the networks (more: a little faster, more memory)", DefaultValueFactory = _ => new AnimateOptions().BatchSize };
        var fps = new Option<double>("--fps") { Description = "Frame rate of a driving directory of frames (videos keep theirs)", DefaultValueFactory = _ => 25 };
        var noAudio = new Option<bool>("--no-audio") { Description = "Leave out the driving video's audio" };
        var findBest = new Option<bool>("--find-best-frame") { Description = "Start relative motion from the driving frame whose face landmarks are closest to the source's (the published --find_best_frame; under --frame paste|crop, in each scene the face crop closest to the source's face crop; needs the face-api networks of make setup)" };
        var face = new Option<int?>("--face") { Description = "Which face of the source to paste, crop or match with --find-best-frame (0-based, left to right; default the largest)" };
        var frame = new Option<string?>("--frame") { Description = "paste: animate a square around the face and paste it back into the picture at its full size; whole: the whole picture at the model's size; crop: the animated square alone (default: paste for a face model (a vox or nemo config) and a source with a face, else whole)" };
        var allFaces = new Option<bool>("--all-faces") { Description = "With --frame paste: animate every face of the source with the driving face's motion" };
        var models = new Option<string?>("--models") { Description = "For --frame paste|crop and --find-best-frame: directory of the face-api networks (default: data/face-api/model, or VIVIFY_FACE_MODELS)" };
        var cmd = new Command("animate", "Animate a picture with the motion of a driving video (First Order Motion Model)")
        {
            source, driving, checkpoint, config, output, mode, adapt, start, sideBySide, precision, batch, fps, noAudio, findBest, face, models, frame, allFaces,
        };
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            var request = new AnimateRequest
            {
                Source = parse.GetValue(source)!,
                Driving = parse.GetValue(driving)!,
                Checkpoint = parse.GetValue(checkpoint)!,
                Config = parse.GetValue(config)!,
                Output = parse.GetValue(output)!,
                Options = new AnimateOptions
                {
                    Mode = ParseMode(parse.GetValue(mode)!),
                    AdaptScale = parse.GetValue(adapt),
                    SideBySide = parse.GetValue(sideBySide),
                    BatchSize = parse.GetValue(batch),
                },
                DrivingStart = parse.GetValue(start),
                Precision = ParsePrecision(parse.GetValue(precision)!),
                FolderFps = parse.GetValue(fps),
                Audio = !parse.GetValue(noAudio),
                Device = parse.GetValue(Cli.Device) ?? "cpu",
                FindBestFrame = parse.GetValue(findBest),
                Face = parse.GetValue(face),
                FaceModels = parse.GetValue(models),
                Frame = ParseFrame(parse.GetValue(frame)),
                AllFaces = parse.GetValue(allFaces),
                Log = parse.GetValue(Cli.Quiet) ? TextWriter.Null : parse.InvocationConfiguration.Error,
            };
            if (request.FindBestFrame && parse.GetResult(start) is not null)
                throw new UsageException("--find-best-frame chooses the initial frame itself; give it or --driving-start, not both");
            request.Validate();
            // Every name is checked before the checkpoint is loaded; the result appears only when whole.
            using var plan = OutputPlan.Begin()
                .Inputs([request.Source, request.Driving, request.Checkpoint, request.Config, request.FaceModels])
                .Video(request.Output);
            var code = Progress.Run(parse, progress => Run(request, progress, cancel));
            plan.Commit();
            return Task.FromResult(code);
        });
        return cmd;
    }

    private static MotionMode ParseMode(string mode) => mode switch
    {
        "relative" => MotionMode.Relative,
        "absolute" => MotionMode.Absolute,
        _ => throw new UsageException($"--mode '{mode}' is not one of relative, absolute"),
    };

    private static ModelPrecision ParsePrecision(string text) => text switch
    {
        "fp32" => ModelPrecision.Float32,
        "bf16" => ModelPrecision.BFloat16,
        _ => throw new UsageException($"--precision '{text}' is not one of fp32, bf16"),
    };

    private static FrameMode? ParseFrame(string? frame) => frame switch
    {
        null => null,
        "paste" => FrameMode.Paste,
        "whole" => FrameMode.Whole,
        "crop" => FrameMode.Crop,
        _ => throw new UsageException($"--frame '{frame}' is not one of paste, whole, crop"),
    };

    internal sealed record AnimateRequest
    {
        public required string Source { get; init; }
        public required string Driving { get; init; }
        public required string Checkpoint { get; init; }
        public required string Config { get; init; }
        public required string Output { get; init; }
        public required AnimateOptions Options { get; init; }
        public long DrivingStart { get; init; }
        public ModelPrecision Precision { get; init; } = ModelPrecision.Float32;
        public double FolderFps { get; init; } = 25;
        public bool Audio { get; init; } = true;
        public string Device { get; init; } = "cpu";
        public bool FindBestFrame { get; init; }
        public int? Face { get; init; }
        public string? FaceModels { get; init; }
        /// <summary>The frame mode asked for; null: paste or whole, chosen by <see cref="AnimateFullFrame.Choose"/>.</summary>
        public FrameMode? Frame { get; init; }
        public bool AllFaces { get; init; }
        public TextWriter Log { get; init; } = TextWriter.Null;

        public void Validate()
        {
            if (Options.BatchSize < 1 || Options.BatchSize > 1024) throw new UsageException($"--batch {Options.BatchSize} must be between 1 and 1024");
            if (DrivingStart < 0) throw new UsageException("--driving-start must be 0 or more");
            var relative = Options.Mode == MotionMode.Relative;
            if (Options.AdaptScale && !relative) throw new UsageException("--adapt-scale scales relative movement; use it with --mode relative");
            if (FindBestFrame && !relative) throw new UsageException("--find-best-frame chooses the initial frame of relative motion; use it with --mode relative");
            if (Face is not null && !FindBestFrame && Frame is not (FrameMode.Paste or FrameMode.Crop))
                throw new UsageException("--face chooses the source's face for --frame paste, --frame crop or --find-best-frame; add one of them");
            if (AllFaces && Frame is not (null or FrameMode.Paste)) throw new UsageException("--all-faces pastes every face back into the picture; use it with --frame paste");
            if (AllFaces && Face is not null) throw new UsageException("give --all-faces or --face, not both");
            if (!(FolderFps > 0)) throw new UsageException($"--fps {FolderFps} must be a positive number");
        }
    }

    /// <summary>
    /// The whole job: inputs checked first (cheap), then the model, then the animation. Reading the source and probing
    /// the video (other processes) overlap loading the model.
    /// </summary>
    internal static int Run(AnimateRequest r, IProgressReporter progress, CancellationToken cancel)
    {
        var sourceRead = Task.Run(() => ImageIO.ReadFrame(r.Source), cancel);
        // Whole frames are animated from the driving video's first frame on: its decoding starts while the model loads.
        var decodeEarly = r.Frame == FrameMode.Whole && !r.FindBestFrame;
        var videoOpen = Task.Run(() =>
        {
            var opened = VideoSource.Open(r.Driving, r.FolderFps);
            return decodeEarly ? opened.DecodeAhead(2 * r.Options.BatchSize, cancel) : opened;
        }, cancel);
        Animator animator;
        try { animator = Animator.Load(r.Config, r.Checkpoint, new AnimatorOptions { Precision = r.Precision, Device = r.Device }); }
        catch
        {
            videoOpen.ContinueWith(t => (t.Result as IDisposable)?.Dispose(), CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default); // stops the early decoding
            InputTasks.ThrowFirstFault(sourceRead, videoOpen); // a bad input is reported before a bad model, as it is checked first
            throw;
        }
        using var model = animator;
        var sourceFrame = sourceRead.GetAwaiter().GetResult();
        var video = videoOpen.GetAwaiter().GetResult();
        using var decoding = video as IDisposable;
        if (video.Info.FrameCount > 0 && r.DrivingStart >= video.Info.FrameCount)
            throw new UsageException($"--driving-start {r.DrivingStart}: {r.Driving} has {Counted.Of(video.Info.FrameCount, "frame")} (0 to {video.Info.FrameCount - 1})");
        cancel.ThrowIfCancellationRequested();
        var (frameMode, faces) = AnimateFullFrame.Choose(r, animator, sourceFrame);
        if (frameMode != FrameMode.Whole) return AnimateFullFrame.Run(r, animator, sourceFrame, video, frameMode, faces, progress, cancel);

        using var source = animator.PrepareSource(sourceFrame, r.Source);
        var initial = r.DrivingStart;
        if (r.FindBestFrame)
        {
            var best = animator.FindBestFrame(source, video, r.FaceModels, r.Face, progress, cancel);
            if (best.Warning is { } warning) r.Log.WriteLine($"vivify: warning: {warning}");
            r.Log.WriteLine($"vivify: best frame {best.Frame} of {r.Driving} ({best.FramesWithFace} of {best.Frames} frames show a face)");
            initial = best.Frame;
        }
        animator.Animate(source, video, r.Output, r.Options with { InitialFrame = initial }, r.Audio, progress, cancel);
        return 0;
    }
}
