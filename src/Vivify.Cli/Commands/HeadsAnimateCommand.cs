using System.CommandLine;
using Vivify.Faces;
using Vivify.Heads;
using Vivify.Media;

namespace Vivify.Cli.Commands;

/// <summary>
/// `vivify heads animate --person PERSON.vhead --driving VIDEO -o OUT.mp4`: the person's generator driven by the
/// face landmarks of a video, frame by frame, retargeted onto the person's face when the driving face is someone
/// else's; the driving video's audio kept.
/// </summary>
public static class HeadsAnimateCommand
{
    public static void AddTo(Command heads) => heads.Subcommands.Add(Create());

    public static Command Create()
    {
        var person = new Option<string>("--person") { Description = "A person file written by `vivify heads fine-tune`", Required = true };
        var driving = new Option<string>("--driving", "-d") { Description = "The driving video, or a directory of numbered frames", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Output: .mp4/.mov/.mkv, .gif, or a directory (00000.png, …)", Required = true };
        var retarget = new Option<bool>("--retarget") { Description = "Map the driving landmarks onto the person's face shape, position and scale (default: on unless the driving face is the person's)" };
        var noRetarget = new Option<bool>("--no-retarget") { Description = "Use the driving landmarks as they are (in the crop around the driving face)" };
        var sideBySide = new Option<bool>("--side-by-side") { Description = "Write driving | landmarks | result panels with labels instead of the result alone" };
        var noAudio = new Option<bool>("--no-audio") { Description = "Leave out the driving video's audio" };
        var noSmooth = new Option<bool>("--no-smooth") { Description = "Do not smooth the driving landmarks over time (One Euro filter)" };
        var fps = new Option<double>("--fps") { Description = "Frame rate of a driving directory of frames (videos keep theirs)", DefaultValueFactory = _ => 25 };
        var models = new Option<string?>("--models") { Description = "Directory of the face-api networks (default: data/face-api/model, or VIVIFY_FACE_MODELS)" };
        var cmd = new Command("animate", "Animate a fine-tuned person with the face landmarks of a driving video")
        {
            person, driving, output, retarget, noRetarget, sideBySide, noAudio, noSmooth, fps, models,
        };
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            Cli.RequireCpu(parse, "heads animate");
            if (parse.GetValue(retarget) && parse.GetValue(noRetarget)) throw new UsageException("give --retarget or --no-retarget, not both");
            var outPath = parse.GetValue(output)!;
            var folderFps = parse.GetValue(fps);
            if (!(folderFps > 0)) throw new UsageException($"--fps {folderFps} must be a positive number");
            var drivingPath = parse.GetValue(driving)!;
            var options = new HeadsAnimateOptions
            {
                Retarget = parse.GetValue(retarget) ? true : parse.GetValue(noRetarget) ? false : null,
                SideBySide = parse.GetValue(sideBySide),
                Audio = !parse.GetValue(noAudio),
                Smooth = !parse.GetValue(noSmooth),
            };
            var log = parse.GetValue(Cli.Quiet) ? TextWriter.Null : parse.InvocationConfiguration.Error;
            using var plan = OutputPlan.Begin().Inputs([parse.GetValue(person), drivingPath, parse.GetValue(models)]).Video(outPath);
            var video = VideoSource.Open(drivingPath, folderFps);
            using var loaded = HeadsPersonFile.Load(parse.GetValue(person)!);
            var faceDir = FaceModels.Require(parse.GetValue(models));
            using var analyzer = new FaceAnalyzer(faceDir);
            using var recognition = options.Retarget is null && File.Exists(Path.Combine(faceDir, FaceRecognitionNet.ModelName + "-weights_manifest.json"))
                ? FaceRecognitionNet.Load(faceDir) : null;
            var animator = new HeadsAnimator(loaded, analyzer, recognition);
            var result = Progress.Run(parse, progress => animator.Run(video, drivingPath, outPath, options, progress, cancel, log));
            plan.Commit();
            log.WriteLine($"heads animate: {Counted.Of(result.Frames, "frame")} ({result.FramesWithoutFace} without a face kept the last landmarks), retargeting {(result.Retargeted ? "on" : "off")}; wrote {outPath}");
            return Task.FromResult(0);
        });
        return cmd;
    }
}
