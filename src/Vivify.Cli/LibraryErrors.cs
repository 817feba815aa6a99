using System.CommandLine;
using System.CommandLine.Parsing;
using Vivify.Faces;

namespace Vivify.Cli;

/// <summary>
/// The CLI's one-line messages and exit codes for the libraries' exceptions. A library names the file at fault and
/// the fix but never a command-line option (not every program that calls it has the same ones); here the option
/// is added where the command has one that helps: the option that gave the file, <c>--face</c>, <c>--models</c>, …
/// </summary>
internal static class LibraryErrors
{
    public static (string Message, int ExitCode) Describe(VivifyException e, ParseResult parse)
    {
        var command = parse.CommandResult;
        switch (e)
        {
            case FaceIndexException f when Has(command, "--face"):
                return ($"--face {f.Requested}: {f.Message}", 2);
            case FaceModelsMissingException m when Has(command, "--models"):
                return ($"{m.Path}: the face-api networks are not there; run make setup (build/face-models.sh), or give --models DIR / set VIVIFY_FACE_MODELS", e.ExitCode);
            case ResumeConflictException r when Has(command, "--resume"):
                return (r.LatestCheckpoint is null
                    ? $"{r.RunDirectory}: no checkpoint to resume from; run without --resume to start"
                    : $"{r.RunDirectory}: already holds checkpoints ({Path.GetFileName(r.LatestCheckpoint)}); pass --resume to continue or choose a new run directory", e.ExitCode);
            case NoFaceException f2 when Has(command, "--frame") && f2.Message.EndsWith("animate the whole frame", StringComparison.Ordinal):
                return ($"{f2.Message} with --frame whole", e.ExitCode);
            case NoFaceException n when Has(command, "--find-best-frame") && OptionGiving(command, n.Path) == "--driving":
                return ($"{n.Path}: no frame shows a face, so there is no best frame to start from; run without --find-best-frame", e.ExitCode);
            case InvalidOptionException o when OptionFor(command, o.Option) is { } flag && !e.Message.Contains(flag, StringComparison.Ordinal):
                return ($"{e.Message} ({flag})", e.ExitCode);
            case InvalidInputException or InvalidOutputException or ConfigurationException or ModelMismatchException:
                var path = e switch
                {
                    InvalidInputException i => i.Path,
                    InvalidOutputException w => w.Path,
                    ConfigurationException c => c.Path,
                    ModelMismatchException m => m.Path,
                    _ => null,
                };
                if (path is not null && OptionGiving(command, path) is { } option && !e.Message.Contains(option, StringComparison.Ordinal))
                    return ($"{e.Message} ({option})", e.ExitCode);
                break;
        }
        return (e.Message, e.ExitCode);
    }

    /// <summary>The libraries' settings whose option is not simply their name in kebab case.</summary>
    private static readonly Dictionary<string, string> OptionNames = new(StringComparer.Ordinal)
    {
        ["MaxUploadBytes"] = "--max-upload-mb",
        ["ModelsDir"] = "--models",
        ["DataDir"] = "--data",
        ["FrameRate"] = "--fps",
    };

    /// <summary>This command's option for a library setting (<see cref="InvalidOptionException.Option"/>), or null when it has none.</summary>
    private static string? OptionFor(CommandResult command, string setting)
    {
        var flag = OptionNames.TryGetValue(setting, out var named) ? named
            : "--" + string.Concat(setting.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));
        return Has(command, flag) ? flag : null;
    }

    private static bool Has(CommandResult command, string option) =>
        command.Command.Options.Any(o => o.Name == option || o.Aliases.Contains(option));

    /// <summary>The option (its long name) whose value on this command line is <paramref name="path"/>, or null.</summary>
    private static string? OptionGiving(CommandResult command, string path) =>
        command.Children.OfType<OptionResult>().FirstOrDefault(o => o.Tokens.Any(t => t.Value == path))?.Option.Name;
}
