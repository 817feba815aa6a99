using System.CommandLine;
using Vivify.Heads.Data;

namespace Vivify.Cli.Commands;

/// <summary>`vivify heads synth --out DIR`: a synthetic talking-face dataset in the VoxCeleb layout with known landmarks.</summary>
public static class HeadsSynthCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "Dataset directory to create: DIR/idNNNNN/videoNN/clip00/00000.png … and landmarks.csv per clip", Required = true };
        var persons = new Option<int>("--persons") { Description = "Number of persons (faces)", DefaultValueFactory = _ => 8 };
        var videos = new Option<int>("--videos-per-person") { Description = "Videos per person (each its own motion and background)", DefaultValueFactory = _ => 3 };
        var frames = new Option<int>("--frames") { Description = "Frames per video", DefaultValueFactory = _ => 32 };
        var size = new Option<int>("--size") { Description = "Frame size in pixels (square)", DefaultValueFactory = _ => 128 };
        var cmd = new Command("synth", "Render a synthetic multi-person talking-face dataset (face shapes, colours, textures, head pose, blinking, mouth motion) with its 68 landmarks; deterministic with --seed")
        {
            output, persons, videos, frames, size,
        };
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            var options = new SyntheticFaceDataset.Options(parse.GetValue(persons), parse.GetValue(videos), parse.GetValue(frames), parse.GetValue(size), parse.GetValue(Cli.Seed) ?? 0);
            SyntheticFaceDataset.Validate(options);
            var root = parse.GetValue(output)!;
            using var plan = Vivify.Media.OutputPlan.Begin().Folder(root);
            Progress.Run(parse, p =>
            {
                using var task = p.Start("synth", (long)options.Persons * options.VideosPerPerson * options.Frames);
                SyntheticFaceDataset.Write(root, options, () => task.Advance(), cancel);
                return 0;
            });
            plan.Commit();
            if (!parse.GetValue(Cli.Quiet))
                parse.InvocationConfiguration.Output.WriteLine($"{root}: {options.Persons} persons × {options.VideosPerPerson} videos × {options.Frames} frames, {options.Size}x{options.Size} (seed {options.Seed})");
            return Task.FromResult(0);
        });
        return cmd;
    }
}
