using System.Globalization;
using TorchSharp;
using Vivify.Torch.Distributed;
using static TorchSharp.torch;

namespace Vivify.Motion.Training;

/// <summary>
/// What data-parallel training adds to <see cref="Trainer"/> (the published train.py runs DataParallel with
/// synchronised batch norm on one machine; here N ranks under mpirun): the configuration's batch size is the global
/// batch, each rank makes its shard of it (<see cref="Data.BatchLoader"/>) and takes the same rows of the step's random
/// transform; keypoint detector and generator normalise with the global batch's statistics
/// (<see cref="SynchronizedBatchNorm"/>, where the published modules use SynchronizedBatchNorm2d); gradients are
/// averaged before each Adam step (<see cref="GradientBuckets"/>), so every rank steps identically, and the same as
/// one process on the whole batch. Rank 0's models and optimizer states are broadcast at the start (after --resume
/// too: only rank 0 reads the checkpoint). With one rank nothing changes.
/// </summary>
public sealed class MotionDataParallel : IDisposable
{
    private readonly GradientBuckets _generator;
    private readonly GradientBuckets _discriminator;
    private (long Calls, long Bytes, double Seconds) _mark;

    public MotionDataParallel(ICommunicator comm, TrainModels m, int batchSize)
    {
        Comm = comm;
        Shard = comm.Size > 1 ? DataParallel.Shard(batchSize, comm, "config: train_params.batch_size") : null;
        SyncedNorms = SynchronizedBatchNorm.Convert(m.kp_detector, comm) + SynchronizedBatchNorm.Convert(m.generator, comm);
        _generator = new GradientBuckets(m.kp_detector.parameters().Concat(m.generator.parameters()), comm);
        _discriminator = new GradientBuckets(m.discriminator.parameters(), comm);
        _mark = comm.Stats.Snapshot();
    }

    public ICommunicator Comm { get; }

    /// <summary>Rank 0 writes checkpoints, logs, pictures and progress.</summary>
    public bool IsRoot => Comm.Rank == 0;

    /// <summary>This rank's items of each global batch, or null for one process.</summary>
    public (int Start, int Count)? Shard { get; }

    /// <summary>The number of batch norm layers synchronised.</summary>
    public int SyncedNorms { get; }

    /// <summary>Makes every rank's models and optimizer states rank 0's.</summary>
    public void Broadcast(TrainModels m)
    {
        DataParallel.Broadcast(m.kp_detector, Comm);
        DataParallel.Broadcast(m.generator, Comm);
        // Module by module: the discriminator's scales are a ModuleDict.
        foreach (var (_, d) in m.discriminator.discs) DataParallel.Broadcast(d, Comm);
        foreach (var o in new[] { m.optimizer_generator, m.optimizer_discriminator, m.optimizer_kp_detector }) DataParallel.Broadcast(o, Comm);
        _mark = Comm.Stats.Snapshot(); // the per-step figures count training steps only
    }

    /// <summary>Rank 0's number (an epoch) on every rank.</summary>
    public int Broadcast(int value) => (int)DataParallel.Broadcast(value, Comm);

    /// <summary>Averages keypoint detector and generator gradients over the ranks (before their Adam steps).</summary>
    public void GeneratorGradients() => _generator.Average();

    /// <summary>Averages the discriminator's gradients over the ranks.</summary>
    public void DiscriminatorGradients() => _discriminator.Average();

    /// <summary>This rank's rows of the step's transform, drawn for the whole global batch.</summary>
    public Transform Rows(Transform global)
    {
        if (Shard is not { } s) return global;
        using (global)
            return new Transform(global.theta.narrow(0, s.Start, s.Count).clone(), global.control_points?.clone(),
                global.control_params?.narrow(0, s.Start, s.Count).clone())
            { align_corners = global.align_corners };
    }

    /// <summary>The step's losses over the global batch: the mean of the ranks' (equal shards).</summary>
    public Dictionary<string, double> Mean(Dictionary<string, double> losses) => DataParallel.Mean(losses, Comm);

    /// <summary>The log's first line about the ranks.</summary>
    public string Describe(int batchSize) => string.Create(CultureInfo.InvariantCulture,
        $"data parallel over {Comm.Size} ranks: global batch {batchSize}, {batchSize / Comm.Size} per rank; gradients all-reduced in " +
        $"{_generator.Count} + {_discriminator.Count} buckets ({(_generator.Bytes + _discriminator.Bytes) / 1e6:0.##} MB a step), " +
        $"{SyncedNorms} batch norm layers synchronised");

    /// <summary>Communication since the last call: (seconds, bytes, collectives) per step over <paramref name="steps"/> steps.</summary>
    public (double Seconds, double Bytes, double Calls) PerStep(long steps)
    {
        var now = Comm.Stats.Snapshot();
        var n = Math.Max(1, steps);
        var result = ((now.Seconds - _mark.Seconds) / n, (now.Bytes - _mark.Bytes) / (double)n, (now.Calls - _mark.Calls) / (double)n);
        _mark = now;
        return result;
    }

    public void Dispose()
    {
        _generator.Dispose();
        _discriminator.Dispose();
    }
}
