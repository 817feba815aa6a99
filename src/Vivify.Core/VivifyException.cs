namespace Vivify;

/// <summary>
/// A failure the user can act on: bad input, a wrong checkpoint, a missing tool. The message is one
/// line that names the file and says what to do; a program shows it without a stack trace. Libraries throw
/// the typed subclasses (<see cref="InvalidInputException"/>, <see cref="ModelMismatchException"/>,
/// <see cref="ConfigurationException"/>); their messages never name a command-line option.
/// </summary>
public class VivifyException : Exception
{
    public VivifyException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>Process exit code a command line uses for it: 1 for failures, 2 for usage errors.</summary>
    public virtual int ExitCode => 1;
}
