using System.CommandLine;

namespace Vivify.Cli.Commands;

/// <summary>`vivify motion …`: the first-order motion model's datasets and training.</summary>
public static class MotionCommand
{
    public static Command Create()
    {
        var cmd = new Command("motion", "First-order motion model: synthetic datasets, training and reconstruction evaluation");
        cmd.Subcommands.Add(MotionSynthCommand.Create());
        cmd.Subcommands.Add(MotionTrainCommand.Create());
        cmd.Subcommands.Add(MotionReconstructCommand.Create());
        return cmd;
    }
}
