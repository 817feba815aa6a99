using System.CommandLine;
using Vivify.Media;
using Vivify.Stylize;
using Vivify.Stylize.Prep;
using Vivify.Torch.Distributed;

namespace Vivify.Cli.Commands;

/// <summary>
/// `vivify stylize train --video IN --key N=PAINTED.png … --model OUT.pth` (or `--data NAME_train`, the published
/// layout): trains a model; the file is written atomically every --checkpoint-every steps, at the end and when
/// interrupted; --resume continues a model file written by Vivify (weights, optimizer state, step count and its
/// configuration); an existing file is otherwise refused unless --overwrite.
/// </summary>
public static class StylizeTrainCommand
{
    public static Command Create()
    {
        var o = new StylizeOptions();
        var video = new Option<string?>("--video") { Description = "The video (or folder of numbered frames) the keyframes belong to" };
        var data = new Option<string?>("--data") { Description = "A published training folder NAME_train/{input_filtered,output,mask} instead of --video/--key" };
        var model = new Option<string>("--model") { Description = "The model file to write (.pth)", Required = true };
        var resume = new ResumeOption("Continue training the model in --model");
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the model in --model with a new one (without it an existing file is refused)" };
        var every = new Option<long>("--checkpoint-every") { Description = "Write the model every N steps (0: only at the end and when interrupted)", DefaultValueFactory = _ => 500 };
        var cmd = new Command("train", "Train a stylization model from painted keyframes") { video, data, model, resume, overwrite, every };
        o.AddTo(cmd);
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            var modelPath = parse.GetValue(model)!;
            var resuming = parse.GetValue(resume);
            if (parse.GetValue(every) < 0) throw new UsageException("--checkpoint-every must be 0 or more");
            if (resuming && parse.GetValue(overwrite)) throw new UsageException("give --resume (continue the model) or --overwrite (replace it), not both");
            if (resuming && !File.Exists(modelPath)) throw new VivifyException($"{modelPath}: model file not found; drop --resume to start a new model");
            if (!resuming && !parse.GetValue(overwrite) && File.Exists(modelPath))
                throw new UsageException($"{modelPath}: a model is there already; continue it with --resume, or replace it with --overwrite");
            // The model is written as training goes (and kept when interrupted): nothing is held back.
            using var plan = OutputPlan.Begin(holdOutputs: false)
                .Inputs([parse.GetValue(video), parse.GetValue(data), parse.GetValue(o.Config), parse.GetValue(o.Vgg19), .. o.KeyFiles(parse)])
                .Model(modelPath);
            var err = parse.InvocationConfiguration.Error;
            var world = World.Start(cancel); // under mpirun -np N: data parallel, rank 0 writes
            var quiet = parse.GetValue(Cli.Quiet) || world.Rank != 0;
            var config = o.LoadConfig(parse, resuming ? modelPath : null, quiet ? null : line => err.WriteLine($"stylize train: {line}"));
            var budget = o.Budget(parse);
            var seed = (int)(parse.GetValue(Cli.Seed) ?? 0);
            List<Keyframe> keyframes;
            Vivify.Torch.Checkpoints.PyDict meta;
            if (parse.GetValue(data) is { } root)
            {
                if (parse.GetValue(video) is not null) throw new UsageException("give either --data or --video, not both");
                keyframes = StylizePublishedLayout.TrainKeyframes(root, config, parse.GetValue(o.Aux));
                meta = new Vivify.Torch.Checkpoints.PyDict { ["prefilter"] = "none" };
            }
            else
            {
                var videoPath = parse.GetValue(video) ?? throw new UsageException("stylize train needs --video IN with --key FRAME=PAINTED.png, or --data NAME_train");
                var filter = o.Filter(parse);
                var (clip, _) = StylizeInputs.LoadClip(videoPath, cancel);
                using var c = clip;
                var keys = StylizeInputs.Keys(parse.GetValue(o.Keys) ?? [], parse.GetValue(o.Masks) ?? [], clip, videoPath);
                var guide = parse.GetValue(o.Aux) ? StylizeInputs.Guide(clip, keys) : null;
                keyframes = StylizeInputs.Keyframes(keys, new FramePrep(clip, filter, guide));
                meta = StylizeOptions.Meta(filter, keys, guide, keyframes.Select(k => k.Mask).ToArray());
            }
            var vgg = StylizeInputs.Vgg(parse.GetValue(o.Vgg19), config, err, quiet);
            using var session = resuming
                ? StylizeSession.Resume(modelPath, config, vgg, seed, StylizeInputs.Device(parse), o.Average(parse))
                : new StylizeSession(config, (int)keyframes[0].Pre.shape[0], vgg, seed, StylizeInputs.Device(parse), o.Average(parse));
            session.SetKeyframes(keyframes);
            session.Meta = meta;
            session.Distribute(world);
            if (!quiet && world.Size > 1) err.WriteLine($"stylize train: data parallel over {world.Size} ranks: global batch {config.Trainer.BatchSize}, {config.Trainer.BatchSize / world.Size} per rank");
            if (!quiet && resuming) err.WriteLine($"stylize train: resuming {modelPath} at step {session.Steps}");
            int Work(IProgressReporter progress)
            {
                StylizeRun.Train(session, budget, progress, cancel, parse.GetValue(every), modelPath, quiet ? null : err);
                session.Save(modelPath);
                World.Finish(world);
                if (!quiet) err.WriteLine($"stylize train: {Counted.Of(session.Steps, "step")}; model written to {modelPath}");
                return 0;
            }
            var code = world.Rank == 0 ? Progress.Run(parse, Work) : Work(NoProgress.Instance);
            plan.Commit();
            return Task.FromResult(code);
        });
        return cmd;
    }
}
