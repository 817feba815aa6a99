using System.CommandLine;
using Vivify.Media;
using Vivify.Stylize;
using Vivify.Stylize.Prep;
using Vivify.Torch.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

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
            var code = Apply(parse, inPath, outPath, n, parse.GetValue(noAudio) ? null : inPath, cancel);
            plan.Commit();
            return Task.FromResult(code);
        });
        return cmd;

        int Apply(ParseResult parse, string inPath, string outPath, int n, string? audio, CancellationToken cancel)
        {
            using var generator = StylizeCheckpoints.LoadGenerator(parse.GetValue(model)!);
            var meta = Meta(parse.GetValue(model)!);
            var filterText = parse.GetValue(prefilter) ?? (meta?.TryGetValue("prefilter", out var p) == true && p is string s ? s : "temporal");
            var filter = FramePrep.Parse(filterText);
            var device = StylizeInputs.Device(parse);
            if (device.type != DeviceType.CPU) generator.to(device);
            Tensor Run(Tensor x) => FullFrame.Stylize(generator, x.to(device)).cpu();

            if (Directory.Exists(inPath) && StylizePublishedLayout.IsGenFolder(inPath))
                return Progress.Run(parse, progress =>
                {
                    var frames = StylizePublishedLayout.GenFrames(inPath);
                    if (frames.Count == 0) throw new VivifyException($"{inPath}/input_filtered: no frames there");
                    using var writer = new VideoWriter(outPath, new VideoWriteOptions { FrameRate = Rational(parse.GetValue(fps)) });
                    using (var task = progress.Start("stylize", frames.Count))
                        for (var i = 0; i < frames.Count; i += n)
                        {
                            cancel.ThrowIfCancellationRequested();
                            using var scope = NewDisposeScope();
                            var x = stack(frames.Skip(i).Take(n).Select(f => StylizePublishedLayout.GenInput(inPath, f, generator.InputChannels, parse.GetValue(guideDir)!)).ToArray());
                            var y = Run(x).add(S(1), One) / S(2);
                            for (var k = 0; k < y.shape[0]; k++) writer.Write(y[k]);
                            task.Advance(y.shape[0]);
                        }
                    writer.Complete();
                    return 0;
                });

            if (!Directory.Exists(inPath) && InputPath.IsStill(inPath))
            {
                if (generator.InputChannels != 3) throw new VivifyException($"{parse.GetValue(model)}: the model takes guide channels, which need the whole video; apply it to the video");
                using var scope = NewDisposeScope();
                using var clip = new Clip([StylizePublishedLayout.Bytes(ImageIO.ReadFrame(inPath))]);
                var y = Run(new FramePrep(clip, filter).Input(0).unsqueeze(0)).add(S(1), One) / S(2);
                ImageIO.Write(outPath, y[0]);
                return 0;
            }

            var (clipAll, info) = StylizeInputs.LoadClip(inPath, cancel);
            using var _ = clipAll;
            GaussDisks? guide = null;
            if (generator.InputChannels == 6)
            {
                if (meta?.TryGetValue("keys", out var k) != true || k is not List<object?> keys || meta["guide_masks"] is not List<object?> masks)
                    throw new VivifyException($"{parse.GetValue(model)}: a 6-channel model without Vivify's guide settings; give a published NAME_gen folder with its {StylizePublishedLayout.DefaultGuideDir}/ as --input");
                guide = new GaussDisks(clipAll, keys.Select((f, i) => ((int)(long)f!, masks[i] as Tensor)).ToList());
            }
            else if (generator.InputChannels != 3)
                throw new VivifyException($"{parse.GetValue(model)}: the model takes {generator.InputChannels} input channels; Vivify applies models of 3 (frame) or 6 (frame + guide)");
            var frameRate = Directory.Exists(inPath) ? Rational(parse.GetValue(fps)) : info.FrameRate;
            return Progress.Run(parse, progress =>
            {
                StylizeRun.Render(Run, new FramePrep(clipAll, filter, guide), outPath, frameRate, null, n, progress, cancel, Directory.Exists(inPath) ? null : audio);
                return 0;
            });
        }
    }

    private static string Rational(double fps) => fps.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Vivify's "meta" entry of a model file, or null (published models have none).</summary>
    private static PyDict? Meta(string path)
    {
        try
        {
            return CheckpointIO.Load(path, TorchLoadOptions.PickledModules(StylizeCheckpoints.PublishedClasses)) is PyDict d && d.TryGetValue("meta", out var m) ? m as PyDict : null;
        }
        catch (VivifyException) { return null; } // the generator loaded already; a file without Vivify's settings has none
    }
}
