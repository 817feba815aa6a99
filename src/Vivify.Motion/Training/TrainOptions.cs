namespace Vivify.Motion.Training;

/// <summary>What `vivify motion train` was asked to do.</summary>
public sealed record TrainOptions
{
    public required FommConfig Config { get; init; }
    /// <summary>The configuration file, for messages.</summary>
    public required string ConfigPath { get; init; }
    /// <summary>Dataset root holding train/ and test/ (or videos to split at random: <see cref="Data.DatasetSplit"/>).</summary>
    public required string DataDir { get; init; }
    /// <summary>Run directory: checkpoints and log.csv.</summary>
    public required string RunDir { get; init; }
    /// <summary>Continue from the newest checkpoint in <see cref="RunDir"/>.</summary>
    public bool Resume { get; init; }
    /// <summary>torchvision's VGG19 weights; null with <see cref="NoPretrainedVgg"/> (an untrained VGG19, seeded).</summary>
    public string? Vgg19Path { get; init; }
    public bool NoPretrainedVgg { get; init; }
    public long Seed { get; init; }
    /// <summary>grid_sample geometry of the warps (false: the published code under PyTorch ≥ 1.3).</summary>
    public bool AlignCorners { get; init; }
    /// <summary>Write the visualiser's picture every this many steps (0: never).</summary>
    public int VisualizeEvery { get; init; }
    /// <summary>The job's ranks for data-parallel training (<see cref="Vivify.Torch.Distributed.World.Start"/>); null: this process alone.</summary>
    public Vivify.Torch.Distributed.ICommunicator? Communicator { get; init; }
    /// <summary>
    /// The type the networks, losses and batches compute in: float32, or float64 to check exactness (float32 rounding,
    /// which Adam's normalisation turns into whole steps where a gradient is zero in exact arithmetic, hides it).
    /// </summary>
    public TorchSharp.torch.ScalarType Dtype { get; init; } = TorchSharp.torch.ScalarType.Float32;
}
