using System.CommandLine;

namespace Vivify.Cli.Commands;

/// <summary>`vivify heads …`: few-shot talking heads (Zakharov et al. 2019); each subcommand lives in its own file.</summary>
public static class HeadsCommand
{
    public static Command Create()
    {
        var cmd = new Command("heads", "Few-shot talking heads: synthetic data, meta-training, fine-tuning on a few photos, animation by landmarks");
        cmd.Subcommands.Add(HeadsSynthCommand.Create());
        cmd.Subcommands.Add(HeadsMetaTrainCommand.Create());
        cmd.Subcommands.Add(HeadsEvaluateCommand.Create());
        HeadsFineTuneCommand.AddTo(cmd);
        HeadsAnimateCommand.AddTo(cmd);
        return cmd;
    }
}
