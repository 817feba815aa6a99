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

    /// <summary>
    /// When set and the checkpoint is a dict: only these top-level entries are read; the others are kept as
    /// None, and the bytes of tensors that only they use are never read or allocated (a published
    /// vox-adv-cpk.pth.tar is mostly discriminator and optimizer state, which inference does not need).
    /// </summary>
    public IReadOnlyCollection<string>? Sections { get; init; }

    /// <summary>
    /// Convolution weights are read laid out channels last (<see cref="Modules.ChannelsLast"/>), as inference feature maps
    /// are: every float32 tensor of four dimensions with a kernel larger than 1×1 that is alone in its storage and fills it.
    /// The values are the same; the layout is made while reading, so nothing is copied afterwards.
    /// </summary>
    public bool ConvWeightsChannelsLast { get; init; }

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
