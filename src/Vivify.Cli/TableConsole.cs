using Spectre.Console;

namespace Vivify.Cli;

/// <summary>The Spectre console that commands print their result tables on.</summary>
public static class TableConsole
{
    /// <summary>
    /// Writes to <paramref name="o"/>: ANSI and colours only when that is the process's standard output (a pipe or a
    /// test's writer gets plain text), and at least 100 columns so that tables do not wrap in narrow or unknown widths.
    /// </summary>
    public static IAnsiConsole For(TextWriter o)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(o),
            Ansi = o == Console.Out ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = o == Console.Out ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        console.Profile.Width = Math.Max(console.Profile.Width, 100);
        return console;
    }
}
