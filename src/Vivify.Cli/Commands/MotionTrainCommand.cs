using System.CommandLine;
using Vivify.Motion;
using Vivify.Motion.Training;
using Vivify.Torch.Distributed;

namespace Vivify.Cli.Commands;

/// <summary>`vivify motion train --config YAML --data DIR --out RUN_DIR`: train the first-order motion model as the published train.py does.</summary>
public static class MotionTrainCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Training configuration (published YAML layout, e.g. vox-256.yaml)", Required = true };
        var data = new Option<string>("--data") { Description = "Dataset root holding train/ and test/ (without them, a random 80/20 split of its videos)", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Run directory: checkpoints (EEEEEEEE-checkpoint.pth.tar) and log.csv", Required = true };
        var resume = new ResumeOption("Continue from the newest checkpoint in the run directory");
        var vgg = new Option<string?>("--vgg19") { Description = "torchvision's VGG19 weights (vgg19-dcbb9e9d.pth) for the perceptual loss" };
        var noVgg = new Option<bool>("--no-pretrained-vgg") { Description = "Train with an untrained VGG19 in the perceptual loss (logged)" };
        var alignCorners = new Option<bool>("--align-corners") { Description = "grid_sample as PyTorch 1.0 (align_corners=True), under which the published checkpoints were trained" };
        var visualize = new Option<int>("--visualize-every") { Description = "Every N steps, a PNG in RUN_DIR/train-vis as the published visualiser draws it (source, driving with keypoints, deformed, prediction, occlusion); 0 for none", DefaultValueFactory = _ => 100 };
        var cmd = new Command("train", "Train keypoint detector, generator and discriminator on a dataset; deterministic with --seed")
        {
            config, data, output, resume, vgg, noVgg, alignCorners, visualize,
        };
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            Cli.RequireCpu(parse, "motion training");
            if (parse.GetValue(vgg) is not null && parse.GetValue(noVgg))
                throw new UsageException("give either --vgg19 FILE or --no-pretrained-vgg, not both");
            var configPath = parse.GetValue(config)!;
            // Checkpoints are written as training goes (and when interrupted); a new run folder goes again on failure unless it holds one.
            using var plan = Vivify.Media.OutputPlan.Begin(holdOutputs: false)
                .Inputs([configPath, parse.GetValue(data), parse.GetValue(vgg)])
                .Folder(parse.GetValue(output), dir => TrainCheckpoint.Latest(dir) is not null);
            var trainConfig = FommConfig.Load(configPath);
            if (trainConfig.train_params is { } train && train.loss_weights.perceptual.Sum() != 0 && parse.GetValue(vgg) is null && !parse.GetValue(noVgg))
                throw new UsageException("the perceptual loss needs torchvision's pretrained VGG19: pass --vgg19 vgg19-dcbb9e9d.pth, or --no-pretrained-vgg to train with an untrained one");
            using var world = World.Start(cancel); // under mpirun -np N: data parallel, rank 0 writes
            var options = new TrainOptions
            {
                Config = trainConfig,
                ConfigPath = configPath,
                DataDir = parse.GetValue(data)!,
                RunDir = parse.GetValue(output)!,
                Resume = parse.GetValue(resume),
                Vgg19Path = parse.GetValue(vgg),
                NoPretrainedVgg = parse.GetValue(noVgg),
                Seed = parse.GetValue(Cli.Seed) ?? 0,
                AlignCorners = parse.GetValue(alignCorners),
                VisualizeEvery = parse.GetValue(visualize) >= 0 ? parse.GetValue(visualize)
                    : throw new UsageException($"--visualize-every {parse.GetValue(visualize)}: give 0 (never) or a positive number of steps"),
                Communicator = world,
            };
            var err = parse.InvocationConfiguration.Error;
            var quiet = parse.GetValue(Cli.Quiet);
            var steps = Progress.Run(parse, p => new Trainer(options, p, quiet ? TextWriter.Null : err).Run(cancel));
            plan.Commit();
            World.Finish(world);
            if (!quiet && world.Rank == 0) parse.InvocationConfiguration.Output.WriteLine($"{options.RunDir}: {Counted.Of(steps, "step")} trained; checkpoints and log.csv are there");
            return Task.FromResult(0);
        });
        return cmd;
    }
}
