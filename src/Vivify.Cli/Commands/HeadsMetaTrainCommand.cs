using System.CommandLine;
using Vivify.Heads;
using Vivify.Torch.Distributed;

namespace Vivify.Cli.Commands;

/// <summary>`vivify heads meta-train --data DIR --out RUN_DIR`: the talking-head meta-learning stage on a dataset; deterministic with --seed.</summary>
public static class HeadsMetaTrainCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Dataset: DIR/PERSON/VIDEO/CLIP frame folders (VoxCeleb; `vivify heads synth` writes one), DIR/PERSON/VIDEO/*.mp4 or DIR/PERSON/*.mp4", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Run directory: checkpoint.pth, log.csv, preview/", Required = true };
        var config = new Option<string?>("--config") { Description = "Model configuration YAML (keys in src/Vivify.Heads/README.md; default: the paper's 256×256 model)" };
        var tiny = new Option<bool>("--tiny") { Description = "The tiny 64×64 configuration (tests, CPU demonstrations)" };
        var steps = new Option<long>("--steps") { Description = "Steps to take (with --resume: more steps after the checkpoint's)", DefaultValueFactory = _ => 1000 };
        var batch = new Option<int>("--batch") { Description = "Episodes (videos) per step", DefaultValueFactory = _ => 2 };
        var resume = new ResumeOption("Continue from RUN_DIR/checkpoint.pth (weights, Adam states, step), exactly as if never stopped");
        var vgg19 = new Option<string?>("--vgg19") { Description = "torchvision's VGG19 weights (vgg19-dcbb9e9d.pth) for the content loss; without it a pixel L1 stands in (logged)" };
        var vggFace = new Option<string?>("--vggface") { Description = "VGG-Face weights for the content loss's second term; without it the term is left out (logged)" };
        var preview = new Option<int>("--preview-every") { Description = "Every N steps a preview PNG in RUN_DIR/preview (landmarks | target | generated); 0 for none", DefaultValueFactory = _ => 100 };
        var checkpoint = new Option<int>("--checkpoint-every") { Description = "Write RUN_DIR/checkpoint.pth every N steps (and at the end)", DefaultValueFactory = _ => 100 };
        var models = new Option<string?>("--models") { Description = "Directory of the face-api networks for landmark detection on clips not yet cached (default: data/face-api/model, or VIVIFY_FACE_MODELS)" };
        var cmd = new Command("meta-train", "Meta-learn the embedder, generator and discriminator on many videos (Zakharov et al. 2019, Sec. 3.2); deterministic with --seed")
        {
            data, output, config, tiny, steps, batch, resume, vgg19, vggFace, preview, checkpoint, models,
        };
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            Cli.RequireCpu(parse, "heads meta-train");
            var configPath = parse.GetValue(config);
            if (configPath is not null && parse.GetValue(tiny)) throw new UsageException("give either --config YAML or --tiny, not both");
            using var world = World.Start(cancel); // under mpirun -np N: data parallel, rank 0 writes
            var options = new MetaTrainOptions
            {
                DataDir = parse.GetValue(data)!,
                RunDir = parse.GetValue(output)!,
                Config = configPath is not null ? HeadsConfig.Load(configPath) : parse.GetValue(tiny) ? HeadsConfig.Tiny : new HeadsConfig(),
                ConfigSource = configPath ?? (parse.GetValue(tiny) ? "--tiny" : null),
                Steps = parse.GetValue(steps),
                Batch = parse.GetValue(batch),
                Resume = parse.GetValue(resume),
                Vgg19Path = parse.GetValue(vgg19),
                VggFacePath = parse.GetValue(vggFace),
                PreviewEvery = parse.GetValue(preview),
                CheckpointEvery = parse.GetValue(checkpoint),
                Seed = parse.GetValue(Cli.Seed) ?? 0,
                FaceModels = parse.GetValue(models),
                Communicator = world,
            };
            // The options' checks, said with the flags (the library's messages name none).
            if (options.Steps < 1) throw new UsageException($"--steps {options.Steps}: give at least 1");
            if (options.Batch < 1) throw new UsageException($"--batch {options.Batch}: give at least 1");
            if (options.PreviewEvery < 0) throw new UsageException($"--preview-every {options.PreviewEvery}: give 0 (never) or a positive number of steps");
            if (options.CheckpointEvery < 1) throw new UsageException($"--checkpoint-every {options.CheckpointEvery}: give a positive number of steps");
            if (options.VggFacePath is not null && options.Vgg19Path is null) throw new UsageException("--vggface adds to the VGG19 content loss; give --vgg19 too");
            options.Validate();
            if (world.Rank == 0 && !File.Exists(options.RunDir))
            {
                var checkpointFile = Path.Combine(options.RunDir, HeadsCheckpoint.FileName);
                if (options.Resume && !File.Exists(checkpointFile))
                    throw new VivifyException($"{options.RunDir}: no {HeadsCheckpoint.FileName} to resume from; run without --resume to start");
                if (!options.Resume && File.Exists(checkpointFile))
                    throw new VivifyException($"{options.RunDir}: already holds {HeadsCheckpoint.FileName}; pass --resume to continue or choose a new run directory");
            }
            // The checkpoint and previews are written as training goes; a new run folder goes again on failure unless it holds a checkpoint.
            using var plan = Vivify.Media.OutputPlan.Begin(holdOutputs: false)
                .Inputs([options.DataDir, configPath, options.Vgg19Path, options.VggFacePath, options.FaceModels])
                .Folder(options.RunDir, dir => File.Exists(Path.Combine(dir, HeadsCheckpoint.FileName)));
            var quiet = parse.GetValue(Cli.Quiet);
            var err = parse.InvocationConfiguration.Error;
            var step = Progress.Run(parse, p => new MetaTrainer(options, p, quiet ? TextWriter.Null : err).Run(cancel));
            plan.Commit();
            World.Finish(world);
            if (!quiet && world.Rank == 0) parse.InvocationConfiguration.Output.WriteLine($"{options.RunDir}: meta-trained to step {step}; checkpoint.pth, log.csv and preview/ are there");
            return Task.FromResult(0);
        });
        return cmd;
    }
}
