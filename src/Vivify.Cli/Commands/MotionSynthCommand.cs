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
            var n = parse.GetValue(videos);
            if (n < 2) throw new UsageException($"--videos {n}: give at least 2 (one to train on, one to test)");
            var f = parse.GetValue(frames);
            if (f is < 2 or > 10_000) throw new UsageException($"--frames {f}: give 2 to 10000 frames per video");
            var fraction = parse.GetValue(testFraction);
            if (fraction is <= 0 or >= 1) throw new UsageException($"--test-fraction {fraction} must be between 0 and 1");
            var k = parse.GetValue(figures);
            if (k is < 1 or > 2) throw new UsageException($"--figures {k}: use 1 or 2");
            var storage = parse.GetValue(format) switch
            {
                "strip" => VideoStorage.Strip,
                "frames" => VideoStorage.Frames,
                var other => throw new UsageException($"--format {other}: use strip or frames"),
            };
            var seed = parse.GetValue(Cli.Seed) ?? 0;
            var root = parse.GetValue(output)!;
            using var plan = Vivify.Media.OutputPlan.Begin().Folder(root);
            var (train, test) = Progress.Run(parse, p => SyntheticDataset.Write(root, n, s, f, seed, storage, fraction, p, cancel, k));
            plan.Commit();
            if (!parse.GetValue(Cli.Quiet))
                parse.InvocationConfiguration.Output.WriteLine($"{root}: {train} training and {test} test videos, {s}x{s}, {f} frames each (seed {seed})");
            return Task.FromResult(0);
        });
        return cmd;
    }
}
