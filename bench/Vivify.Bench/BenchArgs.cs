using System.Globalization;

namespace Vivify.Bench;

/// <summary>
/// The `--name value` options of the bench suites that take only a few, read alike: an option given without its value,
/// or with a value of the wrong kind, is a usage error (exit 2) naming the option.
/// </summary>
internal static class BenchArgs
{
    /// <summary>The value after <paramref name="name"/>; null when the option is not given.</summary>
    public static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        if (i < 0) return null;
        if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"{name} needs a value");
        return args[i + 1];
    }

    /// <summary>A whole number of at least 1 after <paramref name="name"/>; <paramref name="fallback"/> when the option is not given.</summary>
    public static int PositiveInt(string[] args, string name, int fallback)
    {
        if (Value(args, name) is not { } text) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 1)
            throw new UsageException($"{name} {text}: give a whole number of at least 1");
        return value;
    }
}
