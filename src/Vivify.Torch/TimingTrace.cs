using System.Diagnostics;

namespace Vivify;

/// <summary>
/// Where a command's time goes, for profiling start-up: with VIVIFY_TRACE=1 each <see cref="Mark"/> writes one line to
/// standard error, "vivify-trace: MS ms LABEL [thread]", MS counted from the process's start (runtime start-up
/// included). Off (one boolean test per mark) without the variable.
/// </summary>
public static class TimingTrace
{
    private static readonly bool On = Environment.GetEnvironmentVariable("VIVIFY_TRACE") is "1" or "true";
    private static readonly DateTime Start = On ? Process.GetCurrentProcess().StartTime.ToUniversalTime() : default;

    public static bool Enabled => On;

    public static void Mark(string label)
    {
        if (!On) return;
        var ms = (DateTime.UtcNow - Start).TotalMilliseconds;
        Console.Error.WriteLine($"vivify-trace: {ms,7:F0} ms {label} [{Environment.CurrentManagedThreadId}]");
    }
}
