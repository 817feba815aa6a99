using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>
/// The libraries' messages name files and fixes but no command-line option: options belong to a program (the CLI adds
/// them in <see cref="LibraryErrors"/>), and another program calling the library has other ones. Read from the compiled
/// assemblies' string literals, so every message (interpolated ones are literals in pieces) is seen.
/// </summary>
public partial class LibraryMessageTests
{
    private static readonly string[] Libraries =
        ["Vivify.Core", "Vivify.Torch", "Vivify.Media", "Vivify.Motion", "Vivify.Stylize", "Vivify.Faces", "Vivify.Heads", "Vivify.Server"];

    [Fact]
    public void NoLibraryStringNamesACommandLineOption()
    {
        var found = new List<string>();
        foreach (var name in Libraries)
            foreach (var text in StringLiterals(Assembly.Load(name)))
                if (Flag().Match(text) is { Success: true } m)
                    found.Add($"{name}: {m.Value} in \"{text}\"");
        Assert.True(found.Count == 0, string.Join("\n", found));
    }

    [Fact]
    public void TheScanSeesTheCliOwnOptions()
    {
        // The same scan on the CLI finds its options: the test above cannot pass by reading nothing.
        Assert.Contains(StringLiterals(typeof(Cli).Assembly), t => Flag().IsMatch(t));
        Assert.Contains(StringLiterals(Assembly.Load("Vivify.Media")), t => t.Contains(": is the input ", StringComparison.Ordinal));
    }

    /// <summary>Every string literal (the #US heap) of the assembly.</summary>
    private static List<string> StringLiterals(Assembly assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly.Location));
        var md = pe.GetMetadataReader();
        var all = new List<string>();
        for (var h = MetadataTokens.UserStringHandle(1); !h.IsNil; h = md.GetNextHandle(h))
            all.Add(md.GetUserString(h));
        return all;
    }

    /// <summary>An option as users type it: --name, not inside a word (a--b) and not a CSS variable or a dash rule.</summary>
    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z0-9-]*(?![\w(:-])")]
    private static partial Regex Flag();
}
