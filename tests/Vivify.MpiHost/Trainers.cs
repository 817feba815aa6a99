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
}
