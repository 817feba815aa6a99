namespace Vivify;

/// <summary>A count with its noun in the right number for messages: "1 frame", "28 frames".</summary>
public static class Counted
{
    /// <param name="noun">the singular ("frame"); the plural adds an s</param>
    public static string Of(long n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";

    /// <summary>A plural unit ("frames", "steps") for a count: singular for exactly one.</summary>
    public static string Unit(long n, string pluralUnit) => n == 1 && pluralUnit.EndsWith('s') ? pluralUnit[..^1] : pluralUnit;
}
