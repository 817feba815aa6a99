using System.Runtime.InteropServices;

namespace Vivify.Cli;

/// <summary>
/// Ends the process as soon as the command is over: every output is complete (moved into place or removed), every
/// child process waited for and every stream of ours disposed by then, so what remains of a normal exit is the .NET
/// runtime's and libtorch's teardown (joining libtorch's threads, static destructors), 0.1–0.2 s of a one-frame
/// <c>animate</c> that nobody waits for gladly. Standard output and error are flushed first.
/// </summary>
internal static class QuickExit
{
    public static void Now(int code)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        if (OperatingSystem.IsLinux()) _exit(code);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void _exit(int status);
}
