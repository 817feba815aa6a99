using Vivify.Heads;
using Vivify.Motion;
using Vivify.Motion.Training;
using Vivify.Stylize;
using Vivify.Torch.Distributed;
using static TorchSharp.torch;

namespace Vivify.MpiHost;

/// <summary>The trainers data-parallel in float64, where N ranks and one process must take the same steps to rounding.</summary>
internal static class Trainers
{
    /// <summary>`motion CONFIG DATA RUN_DIR [--resume]`: Vivify.Motion's Trainer, untrained VGG19, seed 1.</summary>
    public static void Motion(ICommunicator comm, string config, string data, string runDir, bool resume)
    {
        var options = new TrainOptions
        {
            Config = FommConfig.Load(config), ConfigPath = config, DataDir = data, RunDir = runDir, Resume = resume,
            NoPretrainedVgg = true, Seed = 1, VisualizeEvery = 0, Communicator = comm, Dtype = ScalarType.Float64,
        };
        new Trainer(options, NoProgress.Instance, Console.Error).Run();
    }

    /// <summary>
    /// `heads DATA RUN_DIR [--resume]`: Vivify.Heads' MetaTrainer, 3 steps of B = 4 episodes, the tiny networks at
    /// 32×32, pixel content loss, seed 5.
    /// </summary>
    public static void Heads(ICommunicator comm, string data, string runDir, bool resume)
    {
        var options = new MetaTrainOptions
        {
            DataDir = data, RunDir = runDir, Resume = resume, Steps = 3, Batch = 4, PreviewEvery = 0, CheckpointEvery = 100, Seed = 5,
            Config = HeadsConfig.Tiny with { ImageSize = 32, AttentionDownResolution = 8, AttentionUpResolution = 16 }, ConfigSource = "tiny 32",
            Communicator = comm, Dtype = ScalarType.Float64,
        };
        new MetaTrainer(options, NoProgress.Instance, Console.Error).Run();
    }

    /// <summary>
    /// `stylize MODEL [--resume]`: a StylizeSession in float64 (tiny GeneratorJ with batch norm, global batch 4 of 12×12
    /// patches from two seeded keyframes, weight average), 3 steps, then rank 0 writes MODEL.
    /// </summary>
    public static void Stylize(ICommunicator comm, string model, bool resume)
    {
        const string yaml = """
            generator: {type: GeneratorJ, args: {use_bias: true, tanh: true, append_smoothers: true, resnet_blocks: 1, filters: [4, 4, 4, 4, 4, 4]}}
            discriminator: {type: DiscriminatorN_IN, args: {num_filters: 4, n_layers: 2}}
            trainer: {batch_size: 4}
            training_dataset: {type: DatasetPatches_M, patch_size: 12}
            """;
        manual_seed(3);
        List<Keyframe> keys = [new(rand(3, 24, 32) * 2 - 1, rand(3, 24, 32) * 2 - 1), new(rand(3, 24, 32) * 2 - 1, rand(3, 24, 32) * 2 - 1)];
        using var session = resume
            ? StylizeSession.Resume(model, StylizeConfig.Parse(yaml), null, seed: 1, dtype: ScalarType.Float64)
            : new StylizeSession(StylizeConfig.Parse(yaml), 3, null, seed: 1, dtype: ScalarType.Float64);
        session.SetKeyframes(keys);
        session.Distribute(comm);
        for (var i = 0; i < 3; i++) session.Step();
        session.Save(model);
    }
}
