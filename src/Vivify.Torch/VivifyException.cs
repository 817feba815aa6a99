namespace Vivify;

/// <summary>
/// A failure the user can act on: bad input, a wrong checkpoint, a missing tool. The message is one
/// line that names the file (or option) and says what to do; the CLI prints it without a stack trace.
/// </summary>
public class VivifyException : Exception
{
    public VivifyException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>Process exit code: 1 for failures, 2 for usage errors.</summary>
    public virtual int ExitCode => 1;
}

/// <summary>The command line was wrong (an option's value, a missing argument): exit code 2.</summary>
public class UsageException : VivifyException
{
    public UsageException(string message) : base(message) { }
    public override int ExitCode => 2;
}
