using System.CommandLine;
using Vivify.Media;
using Vivify.Stylize;
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
            using var world = World.Start(cancel); // under mpirun -np N: data parallel, rank 0 writes
            var quiet = parse.GetValue(Cli.Quiet) || world.Rank != 0;
            var config = o.LoadConfig(parse, resuming ? modelPath : null, quiet ? null : line => err.WriteLine($"stylize train: {line}"));
            var budget = o.Budget(parse);
            o.Filter(parse); // a bad --prefilter fails before the video is read
            var options = o.JobOptions(parse, config, parse.GetValue(o.Vgg19));
            StylizeJob? job = null;
            StylizeSession session;
            if (parse.GetValue(data) is { } root)
            {
                if (parse.GetValue(video) is not null) throw new UsageException("give either --data or --video, not both");
                session = StylizePublishedLayout.TrainingSession(root, options, resuming ? modelPath : null);
            }
            else
            {
                var videoPath = parse.GetValue(video) ?? throw new UsageException("stylize train needs --video IN with --key FRAME=PAINTED.png, or --data NAME_train");
                // Training needs only the keyframes: the clip goes once they are prepared.
                var (clip, _) = StylizeInputs.LoadClip(videoPath, cancel);
                using (clip)
                {
                    var keys = StylizeArgs.Keys(parse.GetValue(o.Keys) ?? [], parse.GetValue(o.Masks) ?? [], clip.Count, videoPath);
                    job = resuming ? StylizeJob.Resume(modelPath, clip, keys, options, videoPath) : StylizeJob.Create(clip, keys, options, videoPath);
                }
                session = job.Session;
            }
            using var owner = (IDisposable?)job ?? session;
            StylizeArgs.Vgg(options.Vgg19Path, config, err, quiet); // said once the keyframes are read
            session.Distribute(world);
            if (!quiet && world.Size > 1) err.WriteLine($"stylize train: data parallel over {world.Size} ranks: global batch {config.Trainer.BatchSize}, {config.Trainer.BatchSize / world.Size} per rank");
            if (!quiet && resuming) err.WriteLine($"stylize train: resuming {modelPath} at step {session.Steps}");
            int Work(IProgressReporter progress)
            {
                StylizeTraining.Train(session, budget, progress, cancel, new TrainingSaves(modelPath, parse.GetValue(every)), quiet ? null : m => err.WriteLine("stylize: " + m));
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
