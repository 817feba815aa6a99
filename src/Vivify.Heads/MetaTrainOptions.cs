namespace Vivify.Heads;

/// <summary>What <see cref="MetaTrainer"/> runs: `vivify heads meta-train`'s options.</summary>
public sealed record MetaTrainOptions
{
    public required string DataDir { get; init; }
    public required string RunDir { get; init; }

    /// <summary>The model's configuration; on --resume the checkpoint's is used, and a given one must equal it.</summary>
    public HeadsConfig Config { get; init; } = new();

    /// <summary>Where <see cref="Config"/> came from (a file, or null for a built-in one) — for messages.</summary>
    public string? ConfigSource { get; init; }

    /// <summary>Steps to take in this run (on --resume, more steps after the checkpoint's).</summary>
    public long Steps { get; init; } = 1000;

    /// <summary>B: episodes (videos) per step.</summary>
    public int Batch { get; init; } = 2;

    public bool Resume { get; init; }
    public string? Vgg19Path { get; init; }
    public string? VggFacePath { get; init; }

    /// <summary>Every N steps a preview picture RUN_DIR/preview/SSSSSSSS.png (0: never).</summary>
    public int PreviewEvery { get; init; } = 100;

    /// <summary>Every N steps RUN_DIR/checkpoint.pth is written (and always at the end).</summary>
    public int CheckpointEvery { get; init; } = 100;

    public long Seed { get; init; }

    /// <summary>Directory of the face-api networks, for clips whose landmarks are not cached yet.</summary>
    public string? FaceModels { get; init; }

    /// <summary>The job's ranks for data-parallel meta-training (<see cref="Vivify.Torch.Distributed.World.Start"/>); null: this process alone.</summary>
    public Vivify.Torch.Distributed.ICommunicator? Communicator { get; init; }

    /// <summary>The type networks and episodes compute in: float32, or float64 to check exactness.</summary>
    public TorchSharp.torch.ScalarType Dtype { get; init; } = TorchSharp.torch.ScalarType.Float32;

    public void Validate()
    {
        if (Steps < 1) throw new UsageException($"--steps {Steps}: give at least 1");
        if (Batch < 1) throw new UsageException($"--batch {Batch}: give at least 1");
        if (PreviewEvery < 0) throw new UsageException($"--preview-every {PreviewEvery}: give 0 (never) or a positive number of steps");
        if (CheckpointEvery < 1) throw new UsageException($"--checkpoint-every {CheckpointEvery}: give a positive number of steps");
    }
}
