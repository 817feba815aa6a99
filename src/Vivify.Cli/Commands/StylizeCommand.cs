using System.CommandLine;
using Vivify.Media;
using Vivify.Stylize;
using Vivify.Stylize.Prep;
using static TorchSharp.torch;

namespace Vivify.Cli.Commands;

/// <summary>
/// `vivify stylize --video IN --key N=PAINTED.png … -o OUT`: the whole job from a video and painted keyframes to the
/// stylized video (prepare inputs, train, render); subcommands train, apply and watch do the parts.
/// </summary>
public static class StylizeCommand
{
    public static Command Create()
    {
        var o = new StylizeOptions();
        var video = new Option<string?>("--video") { Description = "The video (or folder of numbered frames) to stylize" };
        var output = new Option<string?>("--output", "-o") { Description = "Output: .mp4/.mov/.mkv/.gif, or a directory for PNG frames" };
        var model = new Option<string?>("--model") { Description = "Also keep the trained model here (.pth)" };
        var preview = new Option<string?>("--preview") { Description = "Also write a side-by-side video (input | stylized) here" };
        var render = new Option<int>("--render-batch") { Description = "Frames stylized together", DefaultValueFactory = _ => 4 };
        var noAudio = new Option<bool>("--no-audio") { Description = "Leave out the video's audio" };
        var cmd = new Command("stylize", "Keyframe video stylization (few-shot patch-based training): from a video and painted keyframes to a stylized video") { video, output, model, preview, render, noAudio };
        o.AddTo(cmd);
        cmd.Subcommands.Add(StylizeTrainCommand.Create());
        cmd.Subcommands.Add(StylizeApplyCommand.Create());
        cmd.Subcommands.Add(StylizeWatchCommand.Create());
        cmd.Subcommands.Add(StylizeToonCommand.Create());
        cmd.Subcommands.Add(StylizeSearchCommand.Create());
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            var videoPath = parse.GetValue(video) ?? throw new UsageException("stylize needs --video IN (or a subcommand: train, apply, watch)");
            var outPath = parse.GetValue(output) ?? throw new UsageException("stylize needs -o OUT.mp4 or -o DIR");
            if (parse.GetValue(render) < 1) throw new UsageException("--render-batch must be at least 1");
            var modelPath = parse.GetValue(model);
            var previewPath = parse.GetValue(preview);
            // Every name is checked before minutes of training, not after.
            using var plan = OutputPlan.Begin()
                .Inputs([videoPath, parse.GetValue(o.Config), parse.GetValue(o.Vgg19), .. o.KeyFiles(parse)])
                .Video(outPath).Video(previewPath).Model(modelPath);
            var config = o.LoadConfig(parse);
            var budget = o.Budget(parse);
            var filter = o.Filter(parse);
            var err = parse.InvocationConfiguration.Error;
            var quiet = parse.GetValue(Cli.Quiet);
            var log = quiet ? TextWriter.Null : err;
            var (clip, info) = StylizeInputs.LoadClip(videoPath, cancel);
            using var _ = clip;
            var keys = StylizeInputs.Keys(parse.GetValue(o.Keys) ?? [], parse.GetValue(o.Masks) ?? [], clip, videoPath);
            var guide = parse.GetValue(o.Aux) ? StylizeInputs.Guide(clip, keys) : null;
            var prep = new FramePrep(clip, filter, guide);
            var keyframes = StylizeInputs.Keyframes(keys, prep);
            var vgg = StylizeInputs.Vgg(parse.GetValue(o.Vgg19), config, err, quiet);
            using var session = new StylizeSession(config, prep.Channels, vgg, (int)(parse.GetValue(Cli.Seed) ?? 0), StylizeInputs.Device(parse), o.Average(parse));
            session.SetKeyframes(keyframes);
            session.Meta = StylizeOptions.Meta(filter, keys, guide, keyframes.Select(k => k.Mask).ToArray());
            log.WriteLine($"stylize: {Counted.Of(clip.Count, "frame")} {clip.Width}×{clip.Height}, {Counted.Of(keys.Count, "keyframe")}, pre-filter {filter.ToString().ToLowerInvariant()}{(guide is null ? "" : ", auxiliary guide channels")}");
            var audio = parse.GetValue(noAudio) || Directory.Exists(videoPath) ? null : videoPath;
            var code = Progress.Run(parse, progress =>
            {
                StylizeRun.Train(session, budget, progress, cancel, modelPath: modelPath, log: log);
                if (modelPath is not null) session.Save(modelPath); // finished work: kept whatever happens to the rendering
                try
                {
                    StylizeRun.Render(session.Stylize, prep, outPath, info.FrameRate, previewPath, parse.GetValue(render), progress, cancel, audio);
                    plan.Commit();
                }
                catch (Exception e)
                {
                    KeepModel(session, modelPath, outPath, videoPath, interrupted: e is OperationCanceledException || cancel.IsCancellationRequested, err);
                    throw;
                }
                return 0;
            });
            return Task.FromResult(code);
        });
        return cmd;
    }

    /// <summary>
    /// Rendering failed after training: the model is kept (in --model, or when none was given and the failure was
    /// not an interruption, beside the output) and the user told where, and how to render it.
    /// </summary>
    private static void KeepModel(StylizeSession session, string? modelPath, string outPath, string videoPath, bool interrupted, TextWriter err)
    {
        var kept = modelPath;
        if (kept is null && !interrupted)
        {
            var full = Path.GetFullPath(outPath.TrimEnd('/'));
            var stem = Path.Combine(Path.GetDirectoryName(full)!, Path.GetFileNameWithoutExtension(full) + ".model");
            kept = stem + ".pth";
            for (var n = 2; File.Exists(kept) || Directory.Exists(kept); n++) kept = $"{stem}-{n}.pth";
            try { session.Save(kept); }
            catch (VivifyException) { return; } // the folder itself refuses writing: nothing to keep it in
        }
        if (kept is not null)
            lock (err) err.WriteLine($"stylize: the trained model ({Counted.Of(session.Steps, "step")}) is kept in {kept}; render it with 'vivify stylize apply --model {kept} --input {videoPath} -o OUT'");
    }
}
