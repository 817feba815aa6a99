namespace Vivify;

/// <summary>The command line was wrong (an option's value, a missing argument): exit code 2. Belongs to the CLI;
/// libraries throw <see cref="InvalidInputException"/>, <see cref="ModelMismatchException"/> or
/// <see cref="ConfigurationException"/> instead (some still throw this one until they are moved over).</summary>
public class UsageException : VivifyException
{
    public UsageException(string message) : base(message) { }
    public override int ExitCode => 2;
}
