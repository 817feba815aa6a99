namespace Vivify.Cli;

/// <summary>
/// The command line was wrong (an option's value, a missing argument): exit code 2. The CLI's own: libraries throw
/// <see cref="InvalidInputException"/>, <see cref="InvalidOptionException"/>, <see cref="OutputConflictException"/>,
/// <see cref="ModelMismatchException"/> or <see cref="ConfigurationException"/>, which name no option; this one may.
/// </summary>
internal sealed class UsageException(string message) : VivifyException(message)
{
    public override int ExitCode => 2;
}
