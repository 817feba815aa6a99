using System.CommandLine;

namespace Vivify.Cli.Commands;

/// <summary>`vivify heads …`: few-shot talking heads (Zakharov et al. 2019).</summary>
public static class HeadsCommand
{
    public static Command Create()
    {
        var cmd = new Command("heads", "Few-shot talking heads: fine-tune a meta-trained model on photos of a person and animate it with a driving video");
        HeadsFineTuneCommand.AddTo(cmd);
        HeadsAnimateCommand.AddTo(cmd);
        return cmd;
    }
}
