using System.CommandLine;
using Vivify.Media;
using Vivify.Stylize;
using Vivify.Stylize.Prep;

namespace Vivify.Cli.Commands;

/// <summary>
/// `vivify stylize watch --project DIR`: trains continuously on the keyframes in DIR/keys; when a keyframe or mask
/// changes, the next steps use it (no restart); every few seconds the chosen frames are re-rendered to DIR/preview and
/// the model saved to DIR/model.pth. Ctrl-C stops cleanly and keeps the model. Layout: see <see cref="StylizeProject"/>.
/// </summary>
public static class StylizeWatchCommand
{
    public static Command Create()
    {
        var o = new StylizeOptions();
        var project = new Option<string>("--project") { Description = "The project folder: video.* or frames/, keys/NNNNN.png, masks/NNNNN.png; writes preview/ and model.pth", Required = true };
        var frames = new Option<string?>("--frames") { Description = "Frames to preview, e.g. 0,40,80 (default: the keyframes and the first, middle and last frame)" };
        var every = new Option<double>("--preview-every") { Description = "Seconds between previews (and model saves)", DefaultValueFactory = _ => 10 };
        var fresh = new Option<bool>("--fresh") { Description = "Start a new model even if DIR/model.pth exists" };
        var cmd = new Command("watch", "Train continuously on a project folder; edited keyframes are picked up live, previews re-rendered") { project, frames, every, fresh };
        o.AddTo(cmd, keys: false);
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            var p = new StylizeProject(parse.GetValue(project)!);
            if (parse.GetValue(every) <= 0) throw new UsageException("--preview-every must be more than 0 seconds");
            // The model and previews are written as training goes and kept: nothing is held back.
            using var plan = OutputPlan.Begin(holdOutputs: false)
                .Inputs([p.Video, p.KeysDir, p.MasksDir, parse.GetValue(o.Config), parse.GetValue(o.Vgg19)])
                .Model(p.Model).Folder(p.PreviewDir, keepOnFailure: _ => true);
            var err = parse.InvocationConfiguration.Error;
            var quiet = parse.GetValue(Cli.Quiet);
            void Log(string line) { if (!quiet) lock (err) err.WriteLine($"watch: {line}"); }
            var resuming = File.Exists(p.Model) && !parse.GetValue(fresh);
            var config = o.LoadConfig(parse, resuming ? p.Model : null, Log);
            var budget = StylizeOptions.BudgetOf(parse.GetValue(o.Steps), parse.GetValue(o.Minutes), null);
            o.Filter(parse); // a bad --prefilter fails before the video is read
            var options = o.JobOptions(parse, config, StylizeArgs.Vgg(parse.GetValue(o.Vgg19), config, err, quiet));
            var (clip, _) = StylizeInputs.LoadClip(p.Video, cancel);
            using var c = clip;
            var previewFrames = PreviewFrames(parse.GetValue(frames), clip.Count); // a bad --frames fails here, before training
            using var job = resuming ? ResumeJob(p, clip, options) : StylizeJob.Create(clip, [], options, p.Video);
            if (resuming) Log($"continuing {p.Model} at step {job.Session.Steps}");
            var watch = new StylizeWatch(p, job, new StylizeWatchOptions
            {
                PreviewFrames = previewFrames, PreviewEverySeconds = parse.GetValue(every), Budget = budget,
            }, Log);
            var code = Progress.Run(parse, progress =>
            {
                watch.Run(progress, cancel);
                return 0;
            });
            plan.Commit();
            return Task.FromResult(code);
        });
        return cmd;
    }

    /// <summary>The job continuing the project's model.pth; a model trained with the other --aux setting is refused.</summary>
    private static StylizeJob ResumeJob(StylizeProject p, Clip clip, StylizeJobOptions options)
    {
        if (StylizeCheckpoints.InputChannels(p.Model) != (options.Guide ? 6 : 3))
            throw new ModelMismatchException($"{p.Model}: the model was trained {(options.Guide ? "without" : "with")} --aux; use the same setting, or --fresh", p.Model);
        return StylizeJob.Resume(p.Model, clip, [], options, p.Video);
    }

    /// <summary>--frames: frame numbers to preview, or null for the default (the keyframes and the first, middle and last frame).</summary>
    private static List<int>? PreviewFrames(string? option, int count)
    {
        if (option is null) return null;
        var list = new List<int>();
        foreach (var part in option.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, out var n) || n < 0 || n >= count) throw new UsageException($"--frames: '{part}' is not a frame number 0–{count - 1}");
            list.Add(n);
        }
        return list.Distinct().ToList();
    }
}
