using System.CommandLine;
using System.Text.Json;
using Vivify.Faces;
using Vivify.Media;

namespace Vivify.Cli.Commands;

/// <summary>`vivify faces detect|landmarks IN -o OUT`: faces (and 68 landmarks) of a picture or a video, drawn over it
/// (PNG/JPG for a picture; a video or PNG frames for a video) and listed per frame in a JSON file.</summary>
public static class FacesCommand
{
    public static Command Create()
    {
        var cmd = new Command("faces", "Find faces and their 68 landmarks (the networks of face-api, MIT)");
        cmd.Subcommands.Add(Sub("detect", "Detect faces: boxes and scores per frame, drawn over the input", landmarks: false));
        cmd.Subcommands.Add(Sub("landmarks", "Detect faces and their 68 landmarks per frame, drawn over the input", landmarks: true));
        cmd.Subcommands.Add(FacesCropCommand.Create());
        return cmd;
    }

    private static Command Sub(string name, string description, bool landmarks)
    {
        var input = new Argument<string>("input") { Description = "A picture, a video, or a directory of numbered frames" };
        var output = new Option<string>("--output", "-o") { Description = "The overlay: .png/.jpg for a picture; .mp4/.mov/.mkv or a directory (PNG frames) for a video", Required = true };
        var json = new Option<string?>("--json") { Description = "The JSON of faces per frame (default: OUTPUT with the extension .json)" };
        var detector = new Option<string>("--detector") { Description = "ssd (accurate) or tiny (fast)", DefaultValueFactory = _ => "ssd" };
        var minConfidence = new Option<double>("--min-confidence") { Description = "Lowest detection score kept, in (0, 1)", DefaultValueFactory = _ => 0.5 };
        var models = new Option<string?>("--models") { Description = "Directory of the face-api networks (default: data/face-api/model, or VIVIFY_FACE_MODELS)" };
        var fps = new Option<double>("--fps") { Description = "Frame rate of a directory of frames", DefaultValueFactory = _ => 25 };
        var cmd = new Command(name, description) { input, output, json, detector, minConfidence, models, fps };
        var tinyLandmarks = new Option<bool>("--tiny-landmarks") { Description = "Use the tiny landmark network (faster, less precise)" };
        var noSmooth = new Option<bool>("--no-smooth") { Description = "Do not smooth landmarks over a video's frames (One Euro filter, 1 Hz, beta 0.05)" };
        if (landmarks) { cmd.Options.Add(tinyLandmarks); cmd.Options.Add(noSmooth); }
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            Cli.RequireCpu(parse, "faces");
            var inPath = parse.GetValue(input)!;
            var outPath = parse.GetValue(output)!;
            var kind = parse.GetValue(detector) switch
            {
                "ssd" => FaceDetectorKind.Ssd,
                "tiny" => FaceDetectorKind.Tiny,
                var d => throw new UsageException($"--detector '{d}': choose ssd or tiny"),
            };
            var conf = parse.GetValue(minConfidence);
            if (!(conf > 0 && conf < 1)) throw new UsageException($"--min-confidence {conf}: give a number between 0 and 1");
            var jsonPath = parse.GetValue(json) ?? Path.ChangeExtension(outPath.TrimEnd('/'), ".json");
            // Both outputs are checked before the networks load, and appear together or not at all.
            using var plan = OutputPlan.Begin().Inputs([inPath, parse.GetValue(models)]).VideoOrPicture(outPath).File(jsonPath, "the faces", ".json");
            var src = MediaInput.Open(inPath, parse.GetValue(fps));
            if (src.Video is null && !InputPath.IsStill(outPath))
                throw new UsageException($"{outPath}: the input is a picture; write the overlay as .png or .jpg");
            if (src.Video is not null && InputPath.IsStill(outPath))
                throw new UsageException($"{outPath}: the input is a video; write the overlay as .mp4/.mov/.mkv or a directory");
            using var analyzer = new FaceAnalyzer(FaceModels.Require(parse.GetValue(models)), kind, parse.GetValue(tinyLandmarks)) { MinConfidence = conf };
            var tracker = landmarks && !parse.GetValue(noSmooth) && src.Video is not null ? new FaceTracker(src.Video.Info.Fps) : null;
            var frames = new List<object>();
            var framesWithFaces = 0;
            var annotator = new FaceAnnotator(analyzer, landmarks, tracker);
            RgbFrame Annotate(RgbFrame frame)
            {
                var (faces, overlay) = annotator.Annotate(frame);
                if (faces.Count > 0) framesWithFaces++;
                frames.Add(new { index = frames.Count, faces = faces.Select(f => Json(f, landmarks)).ToList() });
                return overlay;
            }

            int total;
            if (src.Video is null)
            {
                ImageIO.Write(outPath, Annotate(src.Still!));
                total = 1;
            }
            else
            {
                var info = src.Video.Info;
                var options = new VideoWriteOptions { FrameRate = info.FrameRate, AudioFrom = src.HasAudio ? inPath : null, AudioFromInfo = info, TimingFrom = info };
                total = Progress.Run(parse, progress =>
                {
                    using var writer = new VideoWriter(outPath, options);
                    using (var task = progress.Start(name, info.FrameCount))
                    {
                        foreach (var f in src.Video.Frames(0, null, cancel))
                        {
                            cancel.ThrowIfCancellationRequested();
                            writer.Write(Annotate(f));
                            task.Advance();
                        }
                    }
                    if (writer.FramesWritten == 0) throw new VivifyException($"{inPath}: has no frames");
                    writer.Complete();
                    return (int)writer.FramesWritten;
                });
            }
            var (w, h) = src.Video is null ? (src.Still!.Width, src.Still.Height) : (src.Video.Info.Width, src.Video.Info.Height);
            var doc = new { input = inPath, detector = parse.GetValue(detector), landmarks = landmarks ? (parse.GetValue(tinyLandmarks) ? "tiny" : "full") : null, width = w, height = h, frames };
            using (var outJson = AtomicOutput.ForFile(jsonPath))
            {
                File.WriteAllText(outJson.TempPath, JsonSerializer.Serialize(doc));
                outJson.Commit();
            }
            plan.Commit();
            if (!parse.GetValue(Cli.Quiet))
            {
                parse.InvocationConfiguration.Error.WriteLine($"faces {name}: {total} frame{(total == 1 ? "" : "s")}, faces in {framesWithFaces}; wrote {outPath} and {jsonPath}");
            }
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static object Json(FaceResult f, bool landmarks)
    {
        var d = f.Detection;
        var box = new { x = d.X, y = d.Y, width = d.Width, height = d.Height };
        if (!landmarks) return new { score = d.Score, box };
        var pts = Enumerable.Range(0, 68).Select(i => new[] { f.Landmarks[i, 0], f.Landmarks[i, 1] }).ToList();
        return new { score = d.Score, box, landmarks = pts };
    }
}
