using System.CommandLine;
using Vivify.Media;
using Vivify.Motion;
using static TorchSharp.torch;

namespace Vivify.Cli.Commands;

/// <summary>
/// `vivify animate --source IMAGE --driving VIDEO|DIR --checkpoint FILE --config YAML -o OUT`: First Order
/// Motion Model motion transfer, as the published demo.py does it (relative keypoint movement and Jacobians
/// against an initial driving frame by default), with the source encoded once and driving frames in batches.
/// </summary>
public static class AnimateCommand
{
    private static readonly string[] PanelLabels = ["source", "driving", "result"];

    public static Command Create()
    {
        var source = new Option<string>("--source", "-s") { Description = "The picture to animate (png, jpg, …)", Required = true };
        var driving = new Option<string>("--driving", "-d") { Description = "The driving video, or a directory of numbered frames", Required = true };
        var checkpoint = new Option<string>("--checkpoint", "-c") { Description = "A First Order Motion Model checkpoint (e.g. vox-cpk.pth.tar: generator, kp_detector)", Required = true };
        var config = new Option<string>("--config") { Description = "The checkpoint's YAML config (e.g. configs/vox-adv-256.yaml or the published config/vox-256.yaml)", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Output: .mp4/.mov/.mkv, .gif, or a directory (00000.png, 00001.png, …)", Required = true };
        var mode = new Option<string>("--mode") { Description = "relative: movement and Jacobians relative to the initial driving frame (the published --relative); absolute: driving keypoints as they are", DefaultValueFactory = _ => "relative" };
        var adapt = new Option<bool>("--adapt-scale") { Description = "Scale the movement by the ratio of the keypoints' convex-hull areas (source / initial driving frame); relative mode only" };
        var start = new Option<long>("--driving-start") { Description = "The driving frame treated as the initial one (whose pose is the source's); every frame is still animated, as the published --best_frame does" };
        var sideBySide = new Option<bool>("--side-by-side") { Description = "Write source | driving | result panels with labels instead of the result alone" };
        var precision = new Option<string>("--precision") { Description = "fp32, or bf16 (faster on CPUs with bf16 instructions; within 40 dB PSNR of fp32)", DefaultValueFactory = _ => "fp32" };
        var batch = new Option<int>("--batch") { Description = "Driving frames per batch through the networks", DefaultValueFactory = _ => 4 };
        var fps = new Option<double>("--fps") { Description = "Frame rate of a driving directory of frames (videos keep theirs)", DefaultValueFactory = _ => 25 };
        var noAudio = new Option<bool>("--no-audio") { Description = "Leave out the driving video's audio" };
        var findBest = new Option<bool>("--find-best-frame") { Description = "Start relative motion from the driving frame whose face landmarks are closest to the source's (the published --find_best_frame; needs the face-api networks of make setup)" };
        var face = new Option<int?>("--face") { Description = "With --find-best-frame: which face of the source (0-based, left to right; default the largest)" };
        var models = new Option<string?>("--models") { Description = "With --find-best-frame: directory of the face-api networks (default: data/face-api/model, or VIVIFY_FACE_MODELS)" };
        var cmd = new Command("animate", "Animate a picture with the motion of a driving video (First Order Motion Model)")
        {
            source, driving, checkpoint, config, output, mode, adapt, start, sideBySide, precision, batch, fps, noAudio, findBest, face, models,
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
                Options = new AnimationOptions(Relative: IsRelative(parse.GetValue(mode)!), AdaptScale: parse.GetValue(adapt)),
                DrivingStart = parse.GetValue(start),
                SideBySide = parse.GetValue(sideBySide),
                Precision = AnimateModel.ParsePrecision(parse.GetValue(precision)!),
                Batch = parse.GetValue(batch),
                FolderFps = parse.GetValue(fps),
                Audio = !parse.GetValue(noAudio),
                Device = parse.GetValue(Cli.Device) ?? "cpu",
                FindBestFrame = parse.GetValue(findBest),
                Face = parse.GetValue(face),
                FaceModels = parse.GetValue(models),
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

    private static bool IsRelative(string mode) => mode switch
    {
        "relative" => true,
        "absolute" => false,
        _ => throw new UsageException($"--mode '{mode}' is not one of relative, absolute"),
    };

    internal sealed record AnimateRequest
    {
        public required string Source { get; init; }
        public required string Driving { get; init; }
        public required string Checkpoint { get; init; }
        public required string Config { get; init; }
        public required string Output { get; init; }
        public required AnimationOptions Options { get; init; }
        public long DrivingStart { get; init; }
        public bool SideBySide { get; init; }
        public ScalarType Precision { get; init; } = ScalarType.Float32;
        public int Batch { get; init; } = 4;
        public double FolderFps { get; init; } = 25;
        public bool Audio { get; init; } = true;
        public string Device { get; init; } = "cpu";
        public bool FindBestFrame { get; init; }
        public int? Face { get; init; }
        public string? FaceModels { get; init; }
        public TextWriter Log { get; init; } = TextWriter.Null;

        public void Validate()
        {
            if (Batch < 1 || Batch > 1024) throw new UsageException($"--batch {Batch} must be between 1 and 1024");
            if (DrivingStart < 0) throw new UsageException("--driving-start must be 0 or more");
            if (Options.AdaptScale && !Options.Relative) throw new UsageException("--adapt-scale scales relative movement; use it with --mode relative");
            if (FindBestFrame && !Options.Relative) throw new UsageException("--find-best-frame chooses the initial frame of relative motion; use it with --mode relative");
            if (Face is not null && !FindBestFrame) throw new UsageException("--face chooses the source's face for --find-best-frame; add --find-best-frame");
            if (!(FolderFps > 0)) throw new UsageException($"--fps {FolderFps} must be a positive number");
        }
    }

    /// <summary>
    /// The whole job: inputs checked first (cheap), then the models, then batches of driving frames. Reading the
    /// source and probing the video (other processes) overlap loading the models; frames are decoded ahead and
    /// encoded behind the models on other threads.
    /// </summary>
    internal static int Run(AnimateRequest r, IProgressReporter progress, CancellationToken cancel)
    {
        var sourceRead = Task.Run(() => ImageIO.ReadFrame(r.Source), cancel);
        var videoOpen = Task.Run(() => VideoSource.Open(r.Driving, r.FolderFps), cancel);
        AnimateModel model;
        try { model = AnimateModel.Load(r.Config, r.Checkpoint, r.Precision, r.Device); }
        catch
        {
            InputTasks.ThrowFirstFault(sourceRead, videoOpen); // a bad input is reported before a bad model, as it is checked first
            throw;
        }
        using var _ = model;
        var sourceFrame = sourceRead.GetAwaiter().GetResult();
        var video = videoOpen.GetAwaiter().GetResult();
        if (video.Info.FrameCount > 0 && r.DrivingStart >= video.Info.FrameCount)
            throw new UsageException($"--driving-start {r.DrivingStart}: {r.Driving} has {Counted.Of(video.Info.FrameCount, "frame")} (0 to {video.Info.FrameCount - 1})");
        var (height, width) = model.FrameSize;
        cancel.ThrowIfCancellationRequested();

        using var sourceImage = ResizeOwned(sourceFrame.ToTensor(), height, width);
        using var prepared = model.Transfer.Prepare(sourceImage.unsqueeze(0).to(model.Device));
        var drivingStart = r.FindBestFrame
            ? AnimateBestFrame.Find(r.Source, sourceImage, video, r.Driving, r.Face, r.FaceModels, progress, r.Log, cancel)
            : r.DrivingStart;

        var options = new VideoWriteOptions
        {
            FrameRate = video.Info.FrameRate,
            AudioFrom = r.Audio && !Directory.Exists(r.Driving) ? r.Driving : null,
        };
        using var writer = new BackgroundVideoWriter(new VideoWriter(r.Output, options), capacity: 2 * r.Batch, size: r.SideBySide ? null : (width, height));
        // The initial frame is usually the first one: its keypoints are then those of the first batch's first frame.
        var initial = drivingStart == 0 ? null : InitialKeypoints(model, video.ReadFrame(drivingStart), height, width);
        try
        {
            var pending = new List<RgbFrame>(r.Batch);
            using var task = progress.Start("animate", video.Info.FrameCount > 0 ? video.Info.FrameCount : null);
            void Flush()
            {
                if (pending.Count == 0) return;
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var batch = stack(pending.Select(f => Geometry.Resize(f.ToTensor(), height, width)).ToArray());
                var frames = batch.to(model.Device);
                var keypoints = model.Transfer.DetectKeypoints(frames);
                initial ??= keypoints.Item(0).DetachFromDisposeScope();
                var predictions = model.Transfer.Animate(prepared, frames, initial, r.Options, keypoints);
                for (var i = 0; i < pending.Count; i++)
                    writer.Write(RgbFrame.FromTensor(r.SideBySide ? SideBySide.Compose([sourceImage, batch[i], predictions[i]], height, PanelLabels) : predictions[i]));
                task.Advance(pending.Count);
                pending.Clear();
            }

            foreach (var frame in Prefetch.Ahead(video.Frames(0, null, cancel), 2 * r.Batch, cancel))
            {
                cancel.ThrowIfCancellationRequested();
                pending.Add(frame);
                if (pending.Count == r.Batch) Flush();
            }
            Flush();
        }
        finally { initial?.Dispose(); }
        if (writer.FramesWritten == 0) throw new VivifyException($"{r.Driving}: no frame could be read; check the video");
        cancel.ThrowIfCancellationRequested();
        writer.Complete();
        return 0;
    }

    private static Tensor ResizeOwned(Tensor image, int height, int width)
    {
        using (image) return Geometry.Resize(image, height, width);
    }

    /// <summary>Keypoints of the frame treated as the initial one (kp_driving_initial of the published demo).</summary>
    private static Keypoints InitialKeypoints(AnimateModel model, RgbFrame initial, int height, int width)
    {
        using var scope = NewDisposeScope();
        var frame = Geometry.Resize(initial.ToTensor(), height, width).unsqueeze(0).to(model.Device);
        return model.Transfer.DetectKeypoints(frame).MoveToOuterDisposeScope();
    }
}
