using System.CommandLine;
using Vivify.Media;

namespace Vivify.Cli.Commands;

/// <summary>`vivify media convert IN -o OUT`: re-encode, cut, square-crop and resize a video, frames or a picture.</summary>
public static class MediaConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "A video, a directory of numbered frames, or a picture" };
        var output = new Option<string>("--output", "-o") { Description = "Output: .mp4/.mov/.mkv/.gif, a directory (PNG frames), or .png/.jpg (one frame)", Required = true };
        var start = new Option<long>("--start") { Description = "First frame to take (0-based)" };
        var frames = new Option<long?>("--frames") { Description = "How many frames to take (default: to the end)" };
        var size = new Option<string?>("--size") { Description = "Resize to WIDTHxHEIGHT (area averaging when shrinking)" };
        var square = new Option<bool>("--square") { Description = "Crop the largest centred square first" };
        var fps = new Option<double>("--fps") { Description = "Frame rate of a directory of frames", DefaultValueFactory = _ => 25 };
        var noAudio = new Option<bool>("--no-audio") { Description = "Drop the input's audio track" };
        var cmd = new Command("convert", "Convert a video, frames or picture: cut (--start/--frames), --square, --size; audio kept") { input, output, start, frames, size, square, fps, noAudio };
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            var inPath = parse.GetValue(input)!;
            var outPath = parse.GetValue(output)!;
            var first = parse.GetValue(start);
            if (first < 0) throw new UsageException("--start must be 0 or more");
            if (parse.GetValue(frames) is <= 0) throw new UsageException("--frames must be at least 1");
            var target = parse.GetValue(size) is { } s ? MediaInput.ParseSize(s) : ((int, int)?)null;
            using var plan = OutputPlan.Begin().Input(inPath).VideoOrPicture(outPath);
            var src = MediaInput.Open(inPath, parse.GetValue(fps));
            var shape = new FrameTransform { Square = parse.GetValue(square), Size = target };
            if (InputPath.IsStill(outPath))
            {
                var frame = src.Video?.ReadFrame(first) ?? src.Still!;
                ImageIO.Write(outPath, shape.Apply(frame));
                plan.Commit();
                return Task.FromResult(0);
            }
            if (src.Video is null) throw new UsageException($"{inPath}: is a single picture; convert it to .png or .jpg, or use it in 'vivify media compose'");
            var info = src.Video.Info;
            var total = Math.Max(0, Math.Min(info.FrameCount - first, parse.GetValue(frames) ?? long.MaxValue));
            var options = new VideoWriteOptions
            {
                FrameRate = info.FrameRate,
                AudioFrom = parse.GetValue(noAudio) || Directory.Exists(inPath) ? null : inPath,
                AudioOffset = info.TimeOf(first),
                TimingFrom = info,
                TimingFromFrame = first,
            };
            var code = Progress.Run(parse, progress =>
            {
                using var writer = new VideoWriter(outPath, options);
                using (var task = progress.Start("convert", total))
                {
                    foreach (var f in src.Video.Frames(first, parse.GetValue(frames), cancel))
                    {
                        cancel.ThrowIfCancellationRequested();
                        writer.Write(shape.Apply(f));
                        task.Advance();
                    }
                }
                if (writer.FramesWritten == 0) throw new VivifyException($"{inPath}: has no frame {first} (it has {info.FrameCount}); choose an earlier --start");
                writer.Complete();
                return 0;
            });
            plan.Commit();
            return Task.FromResult(code);
        });
        return cmd;
    }
}
