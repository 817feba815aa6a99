using System.CommandLine;
using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Cli.Commands;

/// <summary>`vivify media compose A B [C …] -o OUT`: a side-by-side preview (e.g. source | driving | result).</summary>
public static class MediaComposeCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Two or more pictures, videos or frame directories, left to right", Arity = new ArgumentArity(2, 8) };
        var output = new Option<string>("--output", "-o") { Description = "Output: .mp4/.mov/.mkv/.gif, a directory (PNG frames), or .png/.jpg (first frame)", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Comma-separated labels above the panels, e.g. source,driving,result" };
        var height = new Option<int>("--height") { Description = "Panel height in pixels", DefaultValueFactory = _ => 256 };
        var fps = new Option<double>("--fps") { Description = "Frame rate of frame directories (videos keep theirs)", DefaultValueFactory = _ => 25 };
        var noAudio = new Option<bool>("--no-audio") { Description = "Leave out the audio of the first input video that has one" };
        var cmd = new Command("compose", "Put pictures and videos side by side, with labels, into one preview video or picture") { inputs, output, labels, height, fps, noAudio };
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            var outPath = parse.GetValue(output)!;
            var h = parse.GetValue(height);
            if (h < 8 || h > 4096) throw new UsageException($"--height {h} must be between 8 and 4096");
            var names = parse.GetValue(labels)?.Split(',').Select(l => l.Trim()).ToArray();
            using var plan = OutputPlan.Begin().Inputs(parse.GetValue(inputs)!).VideoOrPicture(outPath);
            var sources = parse.GetValue(inputs)!.Select(p => MediaInput.Open(p, parse.GetValue(fps))).ToList();
            var videos = sources.Where(s => s.Video is not null).ToList();
            var stillOut = InputPath.IsStill(outPath);
            var total = stillOut || videos.Count == 0 ? 1 : videos.Min(v => v.Video!.Info.FrameCount);
            var audio = parse.GetValue(noAudio) ? null : videos.FirstOrDefault(v => v.HasAudio && !Directory.Exists(v.Path));
            var rate = videos.Count > 0 ? videos[0].Video!.Info.FrameRate : "25";
            var code = Progress.Run(parse, progress =>
            {
                var streams = sources.Select(s => s.Frames(0, cancel).GetEnumerator()).ToList();
                try
                {
                    if (stillOut)
                    {
                        using var scope = NewDisposeScope();
                        ImageIO.Write(outPath, Compose(streams, sources, h, names) ?? throw Empty(sources));
                        return 0;
                    }
                    using var writer = new VideoWriter(outPath, new VideoWriteOptions { FrameRate = rate, AudioFrom = audio?.Path });
                    using (var task = progress.Start("compose", total))
                    {
                        for (long i = 0; i < total; i++)
                        {
                            cancel.ThrowIfCancellationRequested();
                            using var scope = NewDisposeScope();
                            var frame = Compose(streams, sources, h, names);
                            if (frame is null) break;
                            writer.Write(frame);
                            task.Advance();
                        }
                    }
                    if (writer.FramesWritten == 0) throw Empty(sources);
                    writer.Complete();
                    return 0;
                }
                finally
                {
                    foreach (var s in streams) s.Dispose();
                }
            });
            plan.Commit();
            return Task.FromResult(code);
        });
        return cmd;
    }

    /// <summary>The next composed frame, or null when a video input has ended.</summary>
    private static Tensor? Compose(List<IEnumerator<RgbFrame>> streams, List<MediaInput> sources, int height, string[]? labels)
    {
        var panels = new List<Tensor>();
        foreach (var s in streams)
        {
            if (!s.MoveNext()) return null;
            panels.Add(s.Current.ToTensor());
        }
        return SideBySide.Compose(panels, height, labels);
    }

    private static VivifyException Empty(List<MediaInput> sources) =>
        new($"{sources.First(s => s.Video is not null).Path}: no frame could be read; check the video");
}
