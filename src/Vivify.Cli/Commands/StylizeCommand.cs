using System.CommandLine;
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
        var cmd = new Command("stylize", "Keyframe video stylization (few-shot patch-based training): from a video and painted keyframes to a stylized video") { video, output, model, preview, render };
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
            // Output paths are checked before minutes of training, not after.
            StylizeInputs.CheckOutput(outPath, "-o", video: true);
            if (parse.GetValue(preview) is { } pv) StylizeInputs.CheckOutput(pv, "--preview", video: true);
            if (parse.GetValue(model) is { } mp) StylizeInputs.CheckOutput(mp, "--model", video: false);
            var config = o.LoadConfig(parse);
            var budget = o.Budget(parse);
            var filter = o.Filter(parse);
            var err = parse.InvocationConfiguration.Error;
            var quiet = parse.GetValue(Cli.Quiet);
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
            if (!quiet) err.WriteLine($"stylize: {clip.Count} frames {clip.Width}×{clip.Height}, {keys.Count} keyframe(s), pre-filter {filter.ToString().ToLowerInvariant()}{(guide is null ? "" : ", auxiliary guide channels")}");
            return Task.FromResult(Progress.Run(parse, progress =>
            {
                StylizeRun.Train(session, budget, progress, cancel);
                StylizeRun.Render(session.Stylize, prep, outPath, info.FrameRate, parse.GetValue(preview), parse.GetValue(render), progress, cancel);
                if (parse.GetValue(model) is { } m) session.Save(m);
                return 0;
            }));
        });
        return cmd;
    }
}
