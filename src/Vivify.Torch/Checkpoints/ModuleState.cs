using static TorchSharp.torch;

namespace Vivify.Torch.Checkpoints;

/// <summary>The state dict of a whole pickled torch.nn.Module (<c>torch.save(model)</c>), read as data.</summary>
public static class ModuleState
{
    public const int MaxDepth = 200;

    /// <summary>
    /// What <c>module.state_dict()</c> returns, in the same order and with the same keys: each module's
    /// parameters, then its persistent buffers, then its children's entries (prefixed "child."),
    /// recursively through <c>_modules</c>; None entries are left out.
    /// </summary>
    /// <exception cref="VivifyException">the object is not a pickled nn.Module.</exception>
    public static PyDict FromPickledModule(PyObject module)
    {
        var result = new PyDict("collections.OrderedDict");
        Collect(module, "", 0, result);
        return result;
    }

    private static void Collect(PyObject module, string prefix, int depth, PyDict result)
    {
        if (depth > MaxDepth) throw new VivifyException($"pickled module '{module.FullName}' is nested deeper than {MaxDepth} levels");
        var state = StateOf(module);
        var parameters = Dict(state, "_parameters", module);
        var buffers = Dict(state, "_buffers", module);
        var children = Dict(state, "_modules", module);
        var nonPersistent = new HashSet<string>(StringComparer.Ordinal);
        if (state.TryGetValue("_non_persistent_buffers_set", out var np) && np is PyObject { Module: "builtins" } set)
            foreach (var name in set.ListItems.OfType<string>()) nonPersistent.Add(name);

        foreach (var (name, value) in parameters)
            if (value is not null) result[prefix + CheckpointTree.KeyText(name)] = AsTensor(value, module, name);
        foreach (var (name, value) in buffers)
            if (value is not null && !nonPersistent.Contains(CheckpointTree.KeyText(name)))
                result[prefix + CheckpointTree.KeyText(name)] = AsTensor(value, module, name);
        foreach (var (name, child) in children)
        {
            if (child is null) continue;
            if (child is not PyObject c) throw NotAModule(module, $"its child '{name}' is a {child.GetType().Name}");
            Collect(c, prefix + CheckpointTree.KeyText(name) + ".", depth + 1, result);
        }
    }

    /// <summary>The instance __dict__ BUILD gave the module (possibly as the first half of a (dict, slots) tuple).</summary>
    private static PyDict StateOf(PyObject module) => module.State switch
    {
        PyDict d => d,
        PyTuple { Count: 2 } t when t[0] is PyDict d => d,
        _ => throw NotAModule(module, "it has no pickled __dict__"),
    };

    private static PyDict Dict(PyDict state, string name, PyObject module) =>
        state.TryGetValue(name, out var v) && v is PyDict d ? d : throw NotAModule(module, $"it has no {name}");

    private static Tensor AsTensor(object value, PyObject module, object name) =>
        value as Tensor ?? throw NotAModule(module, $"its entry '{name}' is a {value.GetType().Name}, not a tensor");

    private static VivifyException NotAModule(PyObject o, string why) =>
        new($"pickled object '{o.FullName}' is not a torch.nn.Module state ({why})");
}
