using Vivify.Heads;
using Vivify.Motion;
using Vivify.Motion.Training;
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
}
