using System.CommandLine;
using Vivify.Motion.Data;

namespace Vivify.Cli.Commands;

/// <summary>`vivify motion synth --out DIR --videos N`: a synthetic dataset of articulated shapes in the published layout.</summary>
public static class MotionSynthCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "Dataset directory to create (DIR/train, DIR/test)", Required = true };
        var videos = new Option<int>("--videos") { Description = "Number of videos (train and test together)", Required = true };
        var size = new Option<int>("--size") { Description = "Frame size in pixels: 64 or 128", DefaultValueFactory = _ => 64 };
        var frames = new Option<int>("--frames") { Description = "Frames per video", DefaultValueFactory = _ => 32 };
        var figures = new Option<int>("--figures") { Description = "Articulated figures per video: 1 or 2", DefaultValueFactory = _ => 2 };
        var format = new Option<string>("--format") { Description = "strip (one png per video, frames side by side) or frames (a folder of pngs per video)", DefaultValueFactory = _ => "strip" };
        var testFraction = new Option<double>("--test-fraction") { Description = "Share of the videos held out in DIR/test", DefaultValueFactory = _ => 0.2 };
        var cmd = new Command("synth", "Generate a small synthetic dataset (coloured articulated shapes over a textured background); deterministic with --seed")
        {
            output, videos, size, frames, figures, format, testFraction,
        };
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            var s = parse.GetValue(size);
            if (s is not (64 or 128)) throw new UsageException($"--size {s}: use 64 or 128");
            var storage = parse.GetValue(format) switch
            {
                "strip" => VideoStorage.Strip,
                "frames" => VideoStorage.Frames,
                var f => throw new UsageException($"--format {f}: use strip or frames"),
            };
            var seed = parse.GetValue(Cli.Seed) ?? 0;
            var root = parse.GetValue(output)!;
            using var plan = Vivify.Media.OutputPlan.Begin().Folder(root);
            var (train, test) = Progress.Run(parse, p => SyntheticDataset.Write(root, parse.GetValue(videos), s, parse.GetValue(frames), seed,
                storage, parse.GetValue(testFraction), p, cancel, parse.GetValue(figures)));
            plan.Commit();
            if (!parse.GetValue(Cli.Quiet))
                parse.InvocationConfiguration.Output.WriteLine($"{root}: {train} training and {test} test videos, {s}x{s}, {parse.GetValue(frames)} frames each (seed {seed})");
            return Task.FromResult(0);
        });
        return cmd;
    }
}
