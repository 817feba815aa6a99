using System.CommandLine;

namespace Vivify.Cli;

/// <summary>
/// --resume: continue a saved run. A command that has one is a resumable command: interrupted, it is told that
/// what it saved can be continued with --resume (<see cref="Cli.Run"/>); other commands are not.
/// </summary>
public sealed class ResumeOption : Option<bool>
{
    public ResumeOption(string description) : base("--resume") => Description = description;

    public static bool IsOn(Command command) => command.Options.OfType<ResumeOption>().Any();
}
