namespace Vivify.Torch.StateDicts;

/// <summary>
/// A checkpoint's state dict does not fit the model. The message is one line that counts every kind of
/// difference and names the first few with their shapes; the full lists are on the exception.
/// </summary>
public sealed class StateDictMismatchException : ModelMismatchException
{
    /// <summary>How many keys of each kind the one-line message names before "N more".</summary>
    public const int ListedPerKind = 3;

    public StateDictMismatchException(string source, IReadOnlyList<KeyMismatch> missing, IReadOnlyList<KeyMismatch> unexpected, IReadOnlyList<KeyMismatch> shapeMismatches)
        : base(Describe(source, missing, unexpected, shapeMismatches), source)
    {
        CheckpointSource = source;
        Missing = missing;
        Unexpected = unexpected;
        ShapeMismatches = shapeMismatches;
    }

    /// <summary>The checkpoint file the state dict came from.</summary>
    public string CheckpointSource { get; }
    /// <summary>Model keys the checkpoint lacks (with the model's shape).</summary>
    public IReadOnlyList<KeyMismatch> Missing { get; }
    /// <summary>Checkpoint keys the model lacks (with the checkpoint's shape).</summary>
    public IReadOnlyList<KeyMismatch> Unexpected { get; }
    /// <summary>Keys both have, with different shapes.</summary>
    public IReadOnlyList<KeyMismatch> ShapeMismatches { get; }

    /// <summary>Every difference, one per line (for logs and verbose output).</summary>
    public string FullReport =>
        string.Join("\n", Missing.Select(m => $"missing    {m.Key} {KeyMismatch.Shape(m.ModelShape)}")
            .Concat(Unexpected.Select(u => $"unexpected {u.Key} {KeyMismatch.Shape(u.CheckpointShape)}"))
            .Concat(ShapeMismatches.Select(s => $"shape      {s.Key}: checkpoint {KeyMismatch.Shape(s.CheckpointShape)}, model {KeyMismatch.Shape(s.ModelShape)}")));

    private static string Describe(string source, IReadOnlyList<KeyMismatch> missing, IReadOnlyList<KeyMismatch> unexpected, IReadOnlyList<KeyMismatch> shapes)
    {
        var parts = new List<string>();
        if (missing.Count > 0)
            parts.Add(Count(missing.Count, "missing key", "missing keys") + " (" + List(missing, m => $"{m.Key} {KeyMismatch.Shape(m.ModelShape)}") + ")");
        if (unexpected.Count > 0)
            parts.Add(Count(unexpected.Count, "unexpected key", "unexpected keys") + " (" + List(unexpected, u => $"{u.Key} {KeyMismatch.Shape(u.CheckpointShape)}") + ")");
        if (shapes.Count > 0)
            parts.Add(Count(shapes.Count, "shape mismatch", "shape mismatches") + " (" +
                List(shapes, s => $"{s.Key}: checkpoint {KeyMismatch.Shape(s.CheckpointShape)}, model {KeyMismatch.Shape(s.ModelShape)}") + ")");
        return $"checkpoint {source} does not fit the model: {string.Join(", ", parts)}; use the configuration the checkpoint was trained with";
    }

    private static string Count(int n, string one, string many) => $"{n} {(n == 1 ? one : many)}";

    private static string List(IReadOnlyList<KeyMismatch> items, Func<KeyMismatch, string> show)
    {
        var shown = string.Join(", ", items.Take(ListedPerKind).Select(show));
        return items.Count > ListedPerKind ? $"{shown}, ... {items.Count - ListedPerKind} more" : shown;
    }
}
