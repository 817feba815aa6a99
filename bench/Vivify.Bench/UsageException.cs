namespace Vivify.Bench;

/// <summary>The bench's command line was wrong (exit code 2); the bench's own, as the CLI has its own.</summary>
internal sealed class UsageException(string message) : VivifyException(message)
{
    public override int ExitCode => 2;
}
