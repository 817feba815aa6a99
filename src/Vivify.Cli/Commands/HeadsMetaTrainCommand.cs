using System.CommandLine;

namespace Vivify.Cli.Commands;

public static class HeadsMetaTrainCommand
{
    public static Command Create() => new("meta-train", "placeholder");
}
