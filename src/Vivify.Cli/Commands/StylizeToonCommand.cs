using System.CommandLine;
using Vivify.Media;
using Vivify.Stylize.Prep;
using static TorchSharp.torch;

namespace Vivify.Cli.Commands;

/// <summary>`vivify stylize toon IN.png -o OUT.png`: a stand-in painted keyframe (cartoon filter) for demos and tests.</summary>
public static class StylizeToonCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "A picture (e.g. a frame taken with 'vivify media convert VIDEO --start N -o frame.png')" };
        var output = new Option<string>("--output", "-o") { Description = "The .png/.jpg to write", Required = true };
        var cmd = new Command("toon", "Make a stand-in 'painted' keyframe by a deterministic cartoon filter (posterised colours, dark outlines), for demos without an artist") { input, output };
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            using var plan = OutputPlan.Begin().Input(parse.GetValue(input)).Picture(parse.GetValue(output));
            using var scope = NewDisposeScope();
            var frame = StylizePublishedLayout.Bytes(ImageIO.ReadFrame(parse.GetValue(input)!));
            ImageIO.Write(parse.GetValue(output)!, CvImage.ToUnit(ToonFilter.Apply(frame)));
            plan.Commit();
            return Task.FromResult(0);
        });
        return cmd;
    }
}
