using System.Globalization;
using TorchSharp;
using Vivify.Motion.Data;
using Vivify.Torch.Optim;
using static TorchSharp.torch;

namespace Vivify.Motion.Training;

/// <summary>
/// The published train.py: Adam for generator, discriminator and keypoint detector, MultiStepLR at epoch_milestones,
/// per batch one generator step (sum of the generator-side losses into generator and keypoint detector) and, with a
/// GAN weight, one discriminator step; checkpoints every checkpoint_freq epochs and at the end. Deterministic with the
/// seed: initial weights, batches (see <see cref="BatchLoader"/>) and each step's random transform derive from it, so
/// a resumed run takes exactly the steps an uninterrupted one would, also from an interruption within an epoch, which
/// saves the steps taken (<see cref="TrainCheckpoint.SaveUnfinished"/>).
/// Under mpirun (<see cref="TrainOptions.Communicator"/>) the ranks train data-parallel (<see cref="MotionDataParallel"/>)
/// and only rank 0 writes checkpoints, log.csv, pictures, the log and progress.
/// </summary>
public sealed class Trainer(TrainOptions options, IProgressReporter progress, TextWriter log)
{
    /// <summary>Trains; returns the number of steps taken in this invocation.</summary>
    public long Run(CancellationToken cancel = default)
    {
        var config = options.Config;
        var train = config.train_params ?? throw new ConfigurationException(options.ConfigPath, $"{options.ConfigPath}: no train_params; use a training configuration");
        if (train.transform_params is null && train.loss_weights.equivariance_value + train.loss_weights.equivariance_jacobian != 0)
            throw new ConfigurationException(options.ConfigPath, $"{options.ConfigPath}: equivariance losses are weighted but train_params.transform_params is missing; add it");
        RequirePerceptualWeights(train);
        var comm = options.Communicator ?? Vivify.Torch.Distributed.SingleProcess.Instance;
        var root = comm.Rank == 0; // rank 0 alone reads and writes the run directory, logs and shows progress
        if (!root) (progress, log) = (NoProgress.Instance, TextWriter.Null);
        var latest = root ? TrainCheckpoint.Latest(options.RunDir) : null;
        if (root && options.Resume && latest is null)
            throw new ResumeConflictException(options.RunDir, null);
        if (root && !options.Resume && latest is not null)
            throw new ResumeConflictException(options.RunDir, latest);
        var dataParams = config.dataset_params;
        using var dataset = new FramesDataset(options.DataDir, dataParams.frame_shape, dataParams.id_sampling, is_train: true,
            Augmentation.FromConfig(dataParams.augmentation_params, options.ConfigPath));

        manual_seed(options.Seed);
        using var m = new TrainModels(config, options.Dtype);
        m.generator.align_corners = options.AlignCorners;
        using var dp = new MotionDataParallel(comm, m, train.batch_size);
        var loader = new BatchLoader(new DatasetRepeater(dataset, train.num_repeats), train.batch_size, options.Seed, shard: dp.Shard);
        var perEpoch = loader.BatchesPerEpoch;
        var startEpoch = 0;
        var startBatch = 0;
        if (latest is not null)
        {
            var (finished, batches) = TrainCheckpoint.Load(latest, m);
            (startEpoch, startBatch) = (finished + 1, batches);
            log.WriteLine($"resuming from {latest} at epoch {startEpoch}{(batches > 0 ? $", batch {batches}" : "")}");
        }
        if (comm.Size > 1) // the other ranks take rank 0's state, resumed or new
        {
            startEpoch = dp.Broadcast(startEpoch);
            startBatch = dp.Broadcast(startBatch);
            dp.Broadcast(m);
            log.WriteLine(dp.Describe(train.batch_size));
        }

        using var vgg = Perceptual(train)?.to(options.Dtype);
        // The checkpoint's learning rates already include the decays up to startEpoch; PyTorch's scheduler, built with
        // last_epoch = startEpoch − 1, would apply the milestone at startEpoch a second time: keep the loaded rates.
        var loadedLrs = new[] { m.optimizer_generator, m.optimizer_discriminator, m.optimizer_kp_detector }
            .Select(o => o.ParamGroups.Select(g => g.Lr).ToList()).ToList();
        var ms = train.epoch_milestones;
        var scheduler_generator = new MultiStepLR(m.optimizer_generator, ms, gamma: 0.1, last_epoch: startEpoch - 1);
        var scheduler_discriminator = new MultiStepLR(m.optimizer_discriminator, ms, gamma: 0.1, last_epoch: startEpoch - 1);
        var scheduler_kp_detector = new MultiStepLR(m.optimizer_kp_detector, ms, gamma: 0.1, last_epoch: train.lr_kp_detector != 0 ? startEpoch - 1 : -1);
        if (startEpoch > 0)
        {
            var optimizers = new[] { m.optimizer_generator, m.optimizer_discriminator, m.optimizer_kp_detector };
            for (var i = 0; i < optimizers.Length; i++)
                for (var g = 0; g < optimizers[i].ParamGroups.Count; g++) optimizers[i].ParamGroups[g].Lr = loadedLrs[i][g];
        }

        var channels = config.model_params.common_params.num_channels;
        var discScales = config.model_params.discriminator_params.scales;
        using var generator_full = new GeneratorFullModel(m.kp_detector, m.generator, m.discriminator, train, channels, discScales, vgg).to(options.Dtype);
        using var discriminator_full = new DiscriminatorFullModel(m.discriminator, train, channels, discScales).to(options.Dtype);
        if (root) Directory.CreateDirectory(options.RunDir);
        using var csv = root ? new TrainLog(options.RunDir, (long)startEpoch * perEpoch + startBatch) : null;

        var visualizer = new Visualizer(config.visualizer_params?.kp_size is > 0 and var size ? size : 5, config.visualizer_params?.draw_border ?? false);
        m.train();
        long steps = 0, savedAt = 0;
        var freq = Math.Max(1, train.checkpoint_freq);
        var savedEpoch = startEpoch - 1;
        using var task = progress.Start("train", Math.Max(0, (long)Math.Max(0, train.num_epochs - startEpoch) * perEpoch - startBatch), "steps");
        var epoch = startEpoch;
        var k = startBatch;
        try
        {
            for (; epoch < train.num_epochs; epoch++)
            {
                var running = new Dictionary<string, double>();
                k = epoch == startEpoch ? startBatch : 0;
                var first = k;
                foreach (var batch in loader.Epoch(epoch, cancel, k))
                {
                    cancel.ThrowIfCancellationRequested();
                    using (batch)
                    {
                        var step = (long)epoch * perEpoch + k;
                        var visualize = root && options.VisualizeEvery > 0 && step % options.VisualizeEvery == 0;
                        var losses = dp.Mean(Step(batch, step, generator_full, discriminator_full, m, train, dp,
                            visualize ? generated => Visualize(visualizer, batch, generated, step) : null));
                        csv?.Write(epoch, (long)epoch * perEpoch + k, losses);
                        foreach (var (name, v) in losses) running[name] = running.TryGetValue(name, out var r) ? 0.9 * r + 0.1 * v : v;
                        task.Status(string.Join(" ", running.Select(kv => $"{kv.Key} {kv.Value.ToString("0.###", CultureInfo.InvariantCulture)}")));
                        task.Advance();
                    }
                    k++;
                    steps++;
                }
                if (comm.Size > 1 && dp.PerStep(k - first) is var (seconds, bytes, calls))
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}: communication {seconds * 1e3:0.#} ms a step ({bytes / 1e6:0.##} MB in {calls:0} collectives)"));
                scheduler_generator.step();
                scheduler_discriminator.step();
                scheduler_kp_detector.step();
                // An unfinished epoch's checkpoint is replaced by the finished one.
                if ((epoch + 1) % freq == 0 || (epoch == startEpoch && startBatch > 0))
                {
                    if (root) TrainCheckpoint.Save(options.RunDir, epoch, m);
                    (savedEpoch, savedAt) = (epoch, steps);
                }
            }
        }
        catch (OperationCanceledException) when (root && steps > savedAt)
        {
            // The steps since the last checkpoint are kept: an epoch just finished, or the batches taken of this one.
            string path;
            if (k > 0) path = TrainCheckpoint.SaveUnfinished(options.RunDir, epoch, k, m);
            else
            {
                TrainCheckpoint.Save(options.RunDir, epoch - 1, m);
                path = TrainCheckpoint.PathFor(options.RunDir, epoch - 1);
            }
            log.WriteLine($"interrupted {(k > 0 ? $"in epoch {epoch} after {k} of its {perEpoch} batches" : $"as epoch {epoch} began")}; saved {path} (resume the run to continue)");
            throw;
        }
        if (root && savedEpoch < train.num_epochs - 1 && train.num_epochs > startEpoch) TrainCheckpoint.Save(options.RunDir, train.num_epochs - 1, m);
        return steps;
    }

    /// <summary>Before anything is made: a perceptual loss needs VGG19's weights, or the untrained network asked for.</summary>
    private void RequirePerceptualWeights(TrainParams train)
    {
        if (train.loss_weights.perceptual.Sum() != 0 && options.Vgg19Path is null && !options.NoPretrainedVgg)
            throw new ArgumentException("the perceptual loss needs torchvision's pretrained VGG19: give its weights (vgg19-dcbb9e9d.pth), or ask for an untrained one");
    }

    private Vgg19? Perceptual(TrainParams train)
    {
        if (train.loss_weights.perceptual.Sum() == 0) return null;
        if (options.Vgg19Path is { } path) return Vgg19.Load(path);
        log.WriteLine("warning: no pretrained VGG19: the perceptual loss uses an untrained one (torchvision's initialisation, seeded)");
        return Vgg19.Untrained();
    }

    private Dictionary<string, double> Step(Batch x, long step, GeneratorFullModel generator_full, DiscriminatorFullModel discriminator_full,
        TrainModels m, TrainParams train, MotionDataParallel dp, Action<Generated>? visualize)
    {
        using var transform = train.transform_params is { } tp
            ? dp.Rows(RandomTransform(train.batch_size, tp, step, m.generator.align_corners))
            : null;
        if (options.Dtype != ScalarType.Float32)
        {
            using var scope = NewDisposeScope();
            using var t = transform is null ? null : new Transform(transform.theta.to(options.Dtype), transform.control_points?.to(options.Dtype),
                transform.control_params?.to(options.Dtype))
            { align_corners = transform.align_corners };
            return TrainingStep.Run(x.source.to(options.Dtype), x.driving.to(options.Dtype), t, generator_full, discriminator_full, m, train, visualize, dp);
        }
        return TrainingStep.Run(x.source, x.driving, transform, generator_full, discriminator_full, m, train, visualize, dp);
    }

    /// <summary>RUN_DIR/train-vis/SSSSSSSS.png: the published visualiser's picture of this step's batch.</summary>
    private void Visualize(Visualizer visualizer, Batch batch, Generated generated, long step)
    {
        var dir = Path.Combine(options.RunDir, "train-vis");
        Directory.CreateDirectory(dir);
        using var picture = visualizer.visualize(batch.driving, batch.source, generated);
        Vivify.Media.ImageIO.Write(Path.Combine(dir, $"{step:D8}.png"), picture);
    }

    /// <summary>The step's TPS transform, drawn from a generator seeded by (seed, step) alone.</summary>
    private Transform RandomTransform(long bs, TransformParams tp, long step, bool alignCorners)
    {
        using var g = new Generator();
        g.manual_seed(BatchLoader.Mix(options.Seed, step, -2));
        return Transform.Random(bs, tp, g, alignCorners);
    }
}
