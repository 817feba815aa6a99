using System.CommandLine;
using Vivify.Media;
using Vivify.Stylize;
using Vivify.Stylize.Prep;

namespace Vivify.Cli.Commands;

/// <summary>
/// `vivify stylize apply --model FILE --input FRAME|VIDEO|DIR -o OUT`: stylizes with a trained model (Vivify's or the
/// published tool's whole-pickled-module .pth), frames in batches; a published NAME_gen folder is taken as it is.
/// </summary>
public static class StylizeApplyCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model: Vivify's .pth or the published tool's model_NNNNN.pth", Required = true };
        var input = new Option<string>("--input", "-i") { Description = "A picture, a video, a folder of numbered frames, or a published NAME_gen folder", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "A picture (.png/.jpg) for a picture; .mp4/.mov/.mkv/.gif or a directory for frames", Required = true };
        var prefilter = new Option<string?>("--prefilter") { Description = "temporal, spatial or none (default: as the model was trained; temporal for a published model)" };
        var batch = new Option<int>("--batch") { Description = "Frames stylized together", DefaultValueFactory = _ => 4 };
        var guideDir = new Option<string>("--guide-dir") { Description = "In a NAME_gen folder: the guide images' folder for a 6-channel model", DefaultValueFactory = _ => StylizePublishedLayout.DefaultGuideDir };
        var fps = new Option<double>("--fps") { Description = "Frame rate of a folder of frames", DefaultValueFactory = _ => 25 };
        var noAudio = new Option<bool>("--no-audio") { Description = "Leave out the video's audio" };
        var cmd = new Command("apply", "Stylize a picture, video or frames with a trained model") { model, input, output, prefilter, batch, guideDir, fps, noAudio };
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            var inPath = parse.GetValue(input)!;
            var outPath = parse.GetValue(output)!;
            var n = parse.GetValue(batch);
            if (n < 1) throw new UsageException("--batch must be at least 1");
            if (!File.Exists(inPath) && !Directory.Exists(inPath)) throw new VivifyException($"{inPath}: no such picture, video or folder; check --input");
            var still = !Directory.Exists(inPath) && InputPath.IsStill(inPath);
            if (still && !InputPath.IsStill(outPath)) throw new UsageException($"{outPath}: the input is one picture; give a .png or .jpg output");
            using var plan = OutputPlan.Begin().Inputs([parse.GetValue(model), inPath]);
            if (still) plan.Picture(outPath);
            else plan.Video(outPath);
            var filter = parse.GetValue(prefilter) is { } text ? StylizeOptions.ParseFilter(text) : (PreFilter?)null;
            var options = new StylizeApplyOptions
            {
                PreFilter = filter, Batch = n, GuideDir = parse.GetValue(guideDir)!, FolderFps = parse.GetValue(fps), Audio = !parse.GetValue(noAudio),
            };
            using var stylizer = new StylizeApply(parse.GetValue(model)!, StylizeArgs.Device(parse));
            var code = Progress.Run(parse, progress =>
            {
                stylizer.Run(inPath, outPath, options, progress, cancel);
                return 0;
            });
            plan.Commit();
            return Task.FromResult(code);
        });
        return cmd;
    }
}
