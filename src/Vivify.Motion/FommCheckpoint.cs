using TorchSharp;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.StateDicts;
using static TorchSharp.torch;

namespace Vivify.Motion;

/// <summary>
/// Loads the models of a published-layout checkpoint (a dict with <c>generator</c>, <c>kp_detector</c>,
/// <c>discriminator</c> state dicts, as read by the checkpoint reader) into Vivify's modules, strictly.
/// </summary>
public static class FommCheckpoint
{
    private const int MaxListed = 5;

    /// <summary>The state dict stored under <paramref name="section"/> (e.g. "generator").</summary>
    public static PyDict Section(object? checkpoint, string section, string source)
    {
        if (checkpoint is not PyDict dict)
            throw new VivifyException($"{source}: not a First Order Motion Model checkpoint (expected a dict with '{section}', found {Describe(checkpoint)}); pass a checkpoint such as vox-cpk.pth.tar");
        if (!dict.TryGetValue(section, out var value) || value is not PyDict state)
            throw new VivifyException($"{source}: the checkpoint has no '{section}' state dict; its keys are {string.Join(", ", dict.Keys.Select(k => $"'{k}'"))}; pass a First Order Motion Model checkpoint (keys generator, kp_detector)");
        return state;
    }

    /// <summary>
    /// Copies <paramref name="state"/> into <paramref name="module"/> after checking that every key and shape fits;
    /// with <paramref name="assign"/>, makes its tensors the module's parameters and buffers instead (for a module
    /// built on the meta device, see <see cref="StateAssign"/>: no copy).
    /// </summary>
    public static void Load(nn.Module module, PyDict state, string section, string source, bool assign = false)
    {
        var model = module.state_dict();
        var stored = new Dictionary<string, Tensor>();
        var problems = new List<string>();
        foreach (var (key, value) in state)
        {
            if (value is Tensor t) stored[key.ToString()!] = t;
            else problems.Add($"{key} is not a tensor");
        }
        foreach (var (key, t) in stored)
        {
            if (!model.TryGetValue(key, out var mine)) problems.Add($"{key} {Shape(t)} is not in the model");
            else if (!mine.shape.SequenceEqual(t.shape)) problems.Add($"{key} checkpoint {Shape(t)} vs model {Shape(mine)}");
        }
        foreach (var (key, mine) in model)
            if (!stored.ContainsKey(key)) problems.Add($"{key} {Shape(mine)} is missing from the checkpoint");
        if (problems.Count > 0)
            throw new VivifyException($"{source}: '{section}' does not fit the config ({problems.Count} mismatched keys: " +
                string.Join("; ", problems.Take(MaxListed)) + (problems.Count > MaxListed ? "; …" : "") +
                "); pass the config the checkpoint was trained with");

        if (assign)
        {
            StateAssign.Assign(module, stored);
            return;
        }
        using var _ = no_grad();
        foreach (var (key, mine) in model) mine.copy_(stored[key]);
    }

    /// <summary>Loads the generator and keypoint detector of a checkpoint (the discriminator is for training).</summary>
    public static void LoadForInference(object? checkpoint, KeypointDetector kp_detector, OcclusionAwareGenerator generator, string source)
    {
        var gen = Section(checkpoint, "generator", source);
        var kp = Section(checkpoint, "kp_detector", source);
        Load(generator, gen, "generator", source);
        Load(kp_detector, kp, "kp_detector", source);
    }

    /// <summary>The checkpoint sections that inference reads (<see cref="TorchLoadOptions.Sections"/>).</summary>
    public static readonly IReadOnlyList<string> InferenceSections = ["generator", "kp_detector"];

    /// <summary>
    /// The keypoint detector and generator of <paramref name="config"/> holding a checkpoint's weights, in eval mode:
    /// built on the meta device and given the checkpoint's tensors (<see cref="StateAssign"/>), so nothing is randomly
    /// initialised or copied. The caller may dispose the checkpoint's tensors afterwards.
    /// </summary>
    public static (KeypointDetector kp_detector, OcclusionAwareGenerator generator) ForInference(ModelParams config, object? checkpoint, string source)
    {
        var gen = Section(checkpoint, "generator", source);
        var kpState = Section(checkpoint, "kp_detector", source);
        var kp = KeypointDetector.FromConfig(config, META);
        var generator = OcclusionAwareGenerator.FromConfig(config, META);
        try
        {
            Load(generator, gen, "generator", source, assign: true);
            Load(kp, kpState, "kp_detector", source, assign: true);
            kp.eval();
            generator.eval();
            return (kp, generator);
        }
        catch
        {
            kp.Dispose();
            generator.Dispose();
            throw;
        }
    }

    private static string Shape(Tensor t) => "[" + string.Join(",", t.shape) + "]";

    private static string Describe(object? o) => o switch
    {
        null => "None",
        PyObject p => p.FullName,
        Tensor => "a tensor",
        _ => o.GetType().Name,
    };
}
