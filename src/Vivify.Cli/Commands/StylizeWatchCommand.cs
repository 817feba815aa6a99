using System.CommandLine;
using System.Diagnostics;
using Vivify.Media;
using Vivify.Stylize;
using Vivify.Stylize.Prep;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

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
            var budget = StylizeRun.Budget.From(parse.GetValue(o.Steps), parse.GetValue(o.Minutes), long.MaxValue);
            var filter = o.Filter(parse);
            var vgg = StylizeInputs.Vgg(parse.GetValue(o.Vgg19), config, err, quiet);
            var (clip, _) = StylizeInputs.LoadClip(p.Video, cancel);
            using var c = clip;
            p.PreviewFrames(parse.GetValue(frames), [], clip.Count); // a bad --frames fails here, before training
            var aux = parse.GetValue(o.Aux);
            var seed = (int)(parse.GetValue(Cli.Seed) ?? 0);
            using var session = resuming
                ? StylizeSession.Resume(p.Model, config, vgg, seed, StylizeInputs.Device(parse), o.Average(parse))
                : new StylizeSession(config, aux ? 6 : 3, vgg, seed, StylizeInputs.Device(parse), o.Average(parse));
            if (session.Generator.InputChannels != (aux ? 6 : 3))
                throw new VivifyException($"{p.Model}: the model was trained {(aux ? "without" : "with")} --aux; use the same setting, or --fresh");
            if (resuming) Log($"continuing {p.Model} at step {session.Steps}");

            string signature = "";
            FramePrep? prep = null;
            List<int> previewFrames = [];
            var cache = new Dictionary<int, Tensor>();
            bool Reload()
            {
                var now = p.Signature();
                if (now == signature) return false;
                signature = now;
                try
                {
                    var keys = p.Keys(clip);
                    if (keys.Count == 0) { Log($"no keyframes in {p.KeysDir} yet; waiting for one: {KeyHint(clip)}"); return true; }
                    var guide = aux ? StylizeInputs.Guide(clip, keys) : null;
                    // The guide keeps only its points; the flows of the whole clip (16 bytes a pixel a frame) are not
                    // kept while watching, and the previews recompute the few they need.
                    if (guide is not null) clip.ReleaseFlowsBefore(clip.Count);
                    var newPrep = new FramePrep(clip, filter, guide);
                    if (guide is not null || prep is null) { foreach (var t in cache.Values) t.Dispose(); cache.Clear(); }
                    prep = newPrep;
                    var keyframes = StylizeInputs.Keyframes(keys, prep);
                    session.SetKeyframes(keyframes);
                    session.Meta = StylizeOptions.Meta(filter, keys, guide, keyframes.Select(k => k.Mask).ToArray());
                    previewFrames = p.PreviewFrames(parse.GetValue(frames), keys, clip.Count);
                    Log($"keyframes {string.Join(", ", keys.Select(k => k.Frame))} loaded (step {session.Steps})");
                }
                catch (VivifyException e)
                {
                    Log(prep is null ? $"{e.Message}; waiting for a valid keyframe: {KeyHint(clip)}" : $"{e.Message} (keeping the previous keyframes)");
                }
                return true;
            }
            void Preview()
            {
                if (prep is null || session.Steps == 0) return;
                session.Save(p.Model);
                using var scope = NewDisposeScope();
                Directory.CreateDirectory(p.PreviewDir);
                foreach (var f in previewFrames)
                {
                    if (!cache.TryGetValue(f, out var x)) { x = prep.Input(f); x.DetachFromDisposeScope(); cache[f] = x; }
                    var y = session.Stylize(x.unsqueeze(0)).add(S(1), One) / S(2);
                    // Ctrl-C in a terminal also reaches a running ffmpeg; the preview is then written again on the way out.
                    try { ImageIO.Write(Path.Combine(p.PreviewDir, $"{f:D5}.png"), y[0]); }
                    catch (VivifyException) when (cancel.IsCancellationRequested) { }
                }
            }

            var code = Progress.Run(parse, progress =>
            {
                var clock = Stopwatch.StartNew();
                double lastCheck = -1, lastPreview = 0;
                var start = session.Steps;
                using (var task = progress.Start("watch", null, "steps"))
                {
                    try
                    {
                        while (!cancel.IsCancellationRequested)
                        {
                            var t = clock.Elapsed.TotalSeconds;
                            if (t - lastCheck >= 1) { lastCheck = t; Reload(); }
                            if (prep is null) { cancel.WaitHandle.WaitOne(500); continue; }
                            if (budget.Steps is long s && session.Steps - start >= s) break;
                            if (budget.Minutes is double m && clock.Elapsed.TotalMinutes >= m) break;
                            var l = session.Step();
                            task.Status($"L1 {l.Image:0.0000} adv {l.Adversarial:0.000} D {l.Discriminator:0.000}");
                            task.Advance();
                            if (clock.Elapsed.TotalSeconds - lastPreview >= parse.GetValue(every)) { lastPreview = clock.Elapsed.TotalSeconds; Preview(); }
                        }
                    }
                    finally
                    {
                        foreach (var x in cache.Values) x.Dispose();
                        cache.Clear();
                    }
                }
                if (session.Steps > 0)
                {
                    Preview();
                    foreach (var x in cache.Values) x.Dispose();
                    cache.Clear();
                    Log($"stopped after {Counted.Of(session.Steps, "step")}; model kept at {p.Model}, previews in {p.PreviewDir}");
                }
                else Log("stopped before any training step; nothing written");
                return 0;
            });
            plan.Commit();
            return Task.FromResult(code);
        });
        return cmd;
    }

    private static string KeyHint(Clip clip) =>
        $"a {clip.Width}×{clip.Height} picture named by its 0-based frame number (0 to {clip.Count - 1}), e.g. 00000.png";
}
