namespace Vivify.Torch.Checkpoints;

/// <summary>
/// What <see cref="TorchFile.Load(string, TorchLoadOptions?)"/> accepts beyond tensors, storages and
/// plain containers. Nothing in a checkpoint is ever run: an allowed class only becomes a
/// <see cref="PyObject"/> holding its pickled state.
/// </summary>
public sealed class TorchLoadOptions
{
    /// <summary>Tensors, storages, dicts, lists, tuples, sets and scalars only.</summary>
    public static TorchLoadOptions Default { get; } = new();

    /// <summary>
    /// Classes whose instances may appear as <see cref="PyObject"/>: exact "module.Name" or a prefix
    /// pattern ending in ".*" (e.g. "torch.nn.modules.*" for every built-in layer).
    /// </summary>
    public IReadOnlyList<string> AllowedClasses { get; init; } = Array.Empty<string>();

    /// <summary>
    /// For whole pickled modules (<c>torch.save(model)</c>): torch's own layers plus the caller's classes,
    /// e.g. <c>TorchLoadOptions.PickledModules("models.GeneratorJ", "models.UpsamplingLayer")</c>.
    /// </summary>
    public static TorchLoadOptions PickledModules(params string[] moduleClasses) =>
        new() { AllowedClasses = ["torch.nn.modules.*", .. moduleClasses] };

    internal bool AllowsClass(string fullName)
    {
        foreach (var pattern in AllowedClasses)
        {
            if (pattern.EndsWith(".*", StringComparison.Ordinal))
            {
                if (fullName.StartsWith(pattern[..^1], StringComparison.Ordinal)) return true;
            }
            else if (pattern == fullName) return true;
        }
        return false;
    }
}
