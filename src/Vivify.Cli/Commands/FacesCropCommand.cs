using System.CommandLine;
using Vivify.Faces;
using Vivify.Media;

namespace Vivify.Cli.Commands;

/// <summary>
/// `vivify faces crop --video IN -o OUT.mp4`: the published crop-video.py. Faces are detected in every frame (on a
/// copy at most 640 px wide or high) and followed as <see cref="CropSegments"/>; each continuous segment of at least
/// --min-frames frames is cut to its enlarged box, resized to --size, and written with its audio: OUT.mp4 for one
/// segment, OUT_1.mp4, OUT_2.mp4, … for several.
/// </summary>
public static class FacesCropCommand
{
    public static Command Create()
    {
        var video = new Option<string>("--video") { Description = "The video (or directory of frames) to crop", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "The cropped video (.mp4/.mov/.mkv); several segments get _1, _2, … before the extension", Required = true };
        var size = new Option<int>("--size") { Description = "Side of the square output, pixels", DefaultValueFactory = _ => 256 };
        var minFrames = new Option<int>("--min-frames") { Description = "Shortest face segment kept, frames", DefaultValueFactory = _ => 150 };
        var increase = new Option<double>("--increase") { Description = "Enlargement of the face box on each side, as a fraction of its size", DefaultValueFactory = _ => 0.1 };
        var iou = new Option<double>("--iou-with-initial") { Description = "Overlap with a segment's first box for a face to continue it", DefaultValueFactory = _ => 0.25 };
        var detector = new Option<string>("--detector") { Description = "ssd (accurate) or tiny (fast)", DefaultValueFactory = _ => "ssd" };
        var models = new Option<string?>("--models") { Description = "Directory of the face-api networks (default: data/face-api/model, or VIVIFY_FACE_MODELS)" };
        var fps = new Option<double>("--fps") { Description = "Frame rate of a directory of frames", DefaultValueFactory = _ => 25 };
        var cmd = new Command("crop", "Cut each face segment of a video to a stable square around the face (crop-video.py)") { video, output, size, minFrames, increase, iou, detector, models, fps };
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            Cli.RequireCpu(parse, "faces crop");
            var inPath = parse.GetValue(video)!;
            var outPath = parse.GetValue(output)!;
            var side = parse.GetValue(size);
            if (side < 16 || side > 4096) throw new UsageException($"--size {side}: give 16 to 4096 pixels");
            if (parse.GetValue(minFrames) < 1) throw new UsageException("--min-frames must be at least 1");
            if (parse.GetValue(increase) is < 0 or > 2) throw new UsageException("--increase must be between 0 and 2");
            if (parse.GetValue(iou) is < 0 or >= 1) throw new UsageException("--iou-with-initial must be in [0, 1)");
            if (InputPath.IsStill(outPath) || Path.GetExtension(outPath) == "") throw new UsageException($"{outPath}: write the crop as a video file (.mp4, .mov or .mkv)");
            var kind = parse.GetValue(detector) switch
            {
                "ssd" => FaceDetectorKind.Ssd,
                "tiny" => FaceDetectorKind.Tiny,
                var d => throw new UsageException($"--detector '{d}': choose ssd or tiny"),
            };
            // Each segment's video is checked against the input when it is named; all appear together or none.
            using var plan = OutputPlan.Begin().Inputs([inPath, parse.GetValue(models)]).Video(outPath);
            var src = MediaInput.Open(inPath, parse.GetValue(fps));
            if (src.Video is null) throw new UsageException($"{inPath}: is a picture; faces crop needs a video");
            var info = src.Video.Info;
            using var analyzer = new FaceAnalyzer(FaceModels.Require(parse.GetValue(models)), kind);
            var tracker = new CropSegments(info.Width, info.Height) { MinFrames = parse.GetValue(minFrames), Increase = parse.GetValue(increase), IouWithInitial = parse.GetValue(iou) };
            var segments = Progress.Run(parse, progress => FaceVideoCrop.FindSegments(analyzer, src.Video, tracker, progress, cancel));
            if (segments.Count == 0)
                throw new VivifyException($"{inPath}: no face stays in view for {parse.GetValue(minFrames)} frames in a row; nothing to crop (lower --min-frames for short clips)");
            var written = new List<string>();
            for (var i = 0; i < segments.Count; i++)
            {
                var s = segments[i];
                var target = segments.Count == 1 ? outPath
                    : Path.Combine(Path.GetDirectoryName(outPath) ?? "", $"{Path.GetFileNameWithoutExtension(outPath)}_{i + 1}{Path.GetExtension(outPath)}");
                var options = new VideoWriteOptions { FrameRate = info.FrameRate, AudioFrom = src.HasAudio ? inPath : null, AudioOffset = info.TimeOf(s.Start), TimingFrom = info, TimingFromFrame = s.Start };
                Progress.Run(parse, progress =>
                {
                    using var writer = new VideoWriter(target, options);
                    using (var task = progress.Start($"crop {i + 1}/{segments.Count}", s.End - s.Start))
                    {
                        foreach (var frame in FaceVideoCrop.Frames(src.Video, s, side, cancel))
                        {
                            cancel.ThrowIfCancellationRequested();
                            writer.Write(frame);
                            task.Advance();
                        }
                    }
                    writer.Complete();
                    return 0;
                });
                written.Add($"{target} (frames {s.Start}–{s.End - 1}, region {s.Width}x{s.Height} at {s.Left},{s.Top})");
            }
            plan.Commit();
            if (!parse.GetValue(Cli.Quiet))
                foreach (var w in written) parse.InvocationConfiguration.Error.WriteLine($"faces crop: wrote {w}");
            return Task.FromResult(0);
        });
        return cmd;
    }
}
