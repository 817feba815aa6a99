using System.CommandLine;

namespace Vivify.Cli.Commands;

/// <summary>`vivify media …`: inspect, convert and compose pictures and videos.</summary>
public static class MediaCommand
{
    public static Command Create()
    {
        var cmd = new Command("media", "Inspect, convert and compose pictures and videos (through ffmpeg)");
        cmd.Subcommands.Add(MediaProbeCommand.Create());
        cmd.Subcommands.Add(MediaConvertCommand.Create());
        cmd.Subcommands.Add(MediaComposeCommand.Create());
        return cmd;
    }
}
