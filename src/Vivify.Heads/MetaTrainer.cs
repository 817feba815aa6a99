using Vivify.Torch.Modules;
using System.Globalization;
using TorchSharp;
using Vivify.Heads.Data;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.Distributed;
using static TorchSharp.torch;

namespace Vivify.Heads;

/// <summary>
/// `vivify heads meta-train`: the meta-learning stage (Zakharov et al. Sec. 3.2) over a dataset, one
/// <see cref="MetaLearner.Step"/> per step on B episodes of K + 1 frames drawn by <see cref="EpisodeSampler"/>.
/// Deterministic with the seed: the initial weights come from it, the episodes from (seed, step), and nothing else
/// is random, so a run resumed from RUN_DIR/checkpoint.pth (weights, spectral-norm vectors, both Adam states, step,
/// W's video ids) takes exactly the steps an uninterrupted one would. Writes RUN_DIR/checkpoint.pth (atomically,
/// every N steps, at the end and on interruption), RUN_DIR/log.csv and RUN_DIR/preview/*.png. Under mpirun
/// (<see cref="MetaTrainOptions.Communicator"/>) the ranks train data-parallel (<see cref="HeadsDataParallel"/>) and
/// only rank 0 reads and writes the run directory, logs and shows progress.
/// </summary>
public sealed class MetaTrainer(MetaTrainOptions options, IProgressReporter progress, TextWriter log)
{
    /// <summary>The file (RUN_DIR/checkpoint.pth) the run keeps its state in.</summary>
    public string CheckpointPath => Path.Combine(options.RunDir, HeadsCheckpoint.FileName);

    /// <summary>Trains; returns the model's step count at the end.</summary>
    public long Run(CancellationToken cancel = default)
    {
        options.Validate();
        options.Config.Validate(options.ConfigSource ?? "config");
        var comm = options.Communicator ?? SingleProcess.Instance;
        var root = comm.Rank == 0; // rank 0 alone reads and writes the run directory, logs and shows progress
        if (!root) (progress, log) = (NoProgress.Instance, TextWriter.Null);
        if (root && File.Exists(options.RunDir)) throw new InvalidOutputException(options.RunDir, $"{options.RunDir}: is a file; give a directory for the run");
        if (root && options.Resume && !File.Exists(CheckpointPath))
            throw new ResumeConflictException(options.RunDir, latestCheckpoint: null);
        if (root && !options.Resume && File.Exists(CheckpointPath))
            throw new ResumeConflictException(options.RunDir, CheckpointPath);

        var data = HeadsDataset.Open(options.DataDir, options.FaceModels, log.WriteLine, cancel);
        if (root) Directory.CreateDirectory(options.RunDir);
        PyDict? raw = null;
        using var model = HeadsDataParallel.Share(!root ? null : options.Resume ? Resume(data, out raw) : Start(data, out raw), data, comm);
        if (options.Dtype != ScalarType.Float32)
            foreach (var network in new nn.Module[] { model.Embedder, model.Generator, model.Discriminator }) network.to(options.Dtype);
        var config = model.Config;
        var shard = comm.Size > 1 ? DataParallel.Shard(options.Batch, comm, "a batch of") : ((int, int)?)null;
        log.WriteLine($"meta-train: {data.Videos.Count} videos of {data.Videos.Select(v => v.Person).Distinct().Count()} persons, " +
                      $"{config.ImageSize}x{config.ImageSize}, K = {config.KShot}, B = {options.Batch}, from step {model.Step}");

        using var content = Content(config);
        using var learner = new MetaLearner(config, model.Embedder, model.Generator, model.Discriminator, content, comm);
        if (raw is not null && !HeadsCheckpoint.LoadOptimizers(raw, learner, CheckpointPath))
            log.WriteLine($"{CheckpointPath}: holds no optimizer state; Adam starts afresh");
        HeadsDataParallel.Share(learner, comm);
        if (comm.Size > 1)
            log.WriteLine($"data parallel over {comm.Size} ranks: global batch {options.Batch}, {options.Batch / comm.Size} per rank");
        var sampler = new EpisodeSampler(data, options.Batch, config.KShot, config.ImageSize, options.Seed, shard);
        using var csv = root ? new MetaTrainLog(options.RunDir, model.Step) : null;
        var communicated = comm.Stats.Snapshot();

        var first = model.Step;
        var saved = model.Step;
        using var task = progress.Start("meta-train", options.Steps, "steps");
        try
        {
            for (var s = first; s < first + options.Steps; s++)
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var episode = sampler.Sample(s);
                if (options.Dtype != ScalarType.Float32)
                    episode = episode with
                    {
                        Frames = episode.Frames.to(options.Dtype),
                        Landmarks = episode.Landmarks.to(options.Dtype),
                        TargetFrame = episode.TargetFrame.to(options.Dtype),
                        TargetLandmarks = episode.TargetLandmarks.to(options.Dtype)
                    };
                var losses = HeadsDataParallel.Mean(learner.Step(episode), comm);
                model.Step = s + 1;
                csv?.Write(model.Step, losses);
                task.Status(Status(losses));
                if (comm.Size > 1 && model.Step % 100 == 0 && comm.Stats.Snapshot() is var now)
                {
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"step {model.Step}: communication {(now.Seconds - communicated.Seconds) * 10:0.#} ms a step ({(now.Bytes - communicated.Bytes) / 1e8:0.##} MB)"));
                    communicated = now;
                }
                if (root && options.PreviewEvery > 0 && model.Step % options.PreviewEvery == 0)
                {
                    var dir = Path.Combine(options.RunDir, "preview");
                    Directory.CreateDirectory(dir);
                    MetaTrainPreview.Write(Path.Combine(dir, $"{model.Step:D8}.png"), model, episode);
                }
                if (root && model.Step % options.CheckpointEvery == 0)
                {
                    HeadsCheckpoint.Save(CheckpointPath, model, learner);
                    saved = model.Step;
                }
                task.Advance();
            }
        }
        catch (OperationCanceledException)
        {
            if (root && model.Step > saved) HeadsCheckpoint.Save(CheckpointPath, model, learner); // the steps completed so far
            if (root && model.Step > 0) log.WriteLine($"meta-train: interrupted at step {model.Step}; {CheckpointPath} holds it (resume it to continue)");
            throw;
        }
        if (root && model.Step > saved) HeadsCheckpoint.Save(CheckpointPath, model, learner);
        return model.Step;
    }

    private HeadsModel Start(HeadsDataset data, out PyDict? raw)
    {
        raw = null;
        manual_seed(options.Seed);
        return new HeadsModel(options.Config, data.Videos.Count, data.VideoIds);
    }

    private HeadsModel Resume(HeadsDataset data, out PyDict? raw)
    {
        var model = HeadsCheckpoint.Load(CheckpointPath, out var dict);
        raw = dict;
        try
        {
            if (options.ConfigSource is not null && model.Config != options.Config)
                throw new ConfigurationException(options.ConfigSource!, $"{options.ConfigSource}: differs from the configuration of {CheckpointPath}; resume without a configuration (the checkpoint keeps its own) or start a new run");
            var ids = data.VideoIds;
            if (!model.VideoIds.SequenceEqual(ids))
            {
                var missing = model.VideoIds.Except(ids).Concat(ids.Except(model.VideoIds)).FirstOrDefault() ?? "(their order)";
                throw new InvalidInputException(options.DataDir, $"{options.DataDir}: its videos are not the {model.NumVideos} the checkpoint was trained on (first difference: {missing}); resume on the same dataset");
            }
            log.WriteLine($"resuming from {CheckpointPath} at step {model.Step}");
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>L_CNT: VGG19 from --vgg19, else the pixel L1 stand-in (<see cref="ContentLoss.Pixel"/>), said so in the log.</summary>
    private ContentLoss Content(HeadsConfig config)
    {
        if (options.Vgg19Path is not { } path)
        {
            if (options.VggFacePath is not null) throw new ArgumentException("the VGG-Face term adds to the VGG19 content loss; give VGG19's weights too");
            log.WriteLine($"content loss: no VGG19 weights given, so the mean absolute pixel difference (weight {config.PixelWeight}) stands in for L_CNT's " +
                          "VGG19/VGG-Face distances, not the paper's loss; give torchvision's vgg19-dcbb9e9d.pth");
            return ContentLoss.Pixel(config);
        }
        var vgg19 = Vgg19Features.Load(path);
        VggFaceFeatures? face = null;
        try
        {
            if (options.VggFacePath is { } facePath) face = VggFaceFeatures.Load(facePath);
        }
        catch
        {
            vgg19.Dispose();
            throw;
        }
        return new ContentLoss(config, vgg19, face, log.WriteLine);
    }

    private static string Status(MetaStepLosses l) => string.Create(CultureInfo.InvariantCulture,
        $"G {l.Generator:0.###} (cnt {l.Content:0.###} adv {l.Adversarial:0.###} fm {l.FeatureMatching:0.###} mch {l.Match:0.###}) D {l.Discriminator:0.###}");
}
