using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.Torch.StateDicts;

/// <summary>A module whose own parameters or buffers TorchSharp cannot replace through properties: it replaces them itself.</summary>
public interface IAssignableState
{
    /// <summary>Makes <paramref name="value"/> the module's own parameter or buffer <paramref name="name"/> (disposing the old one).</summary>
    void AssignState(string name, Tensor value);
}

/// <summary>
/// Modules built without weights (on the meta device: TorchSharp's modules and Vivify's take a <c>device</c>),
/// then given a checkpoint's tensors as their parameters and buffers: no random initialisation of weights that
/// are overwritten anyway, and no second copy of them (loading copies every tensor into a freshly initialised
/// model otherwise).
/// </summary>
public static class StateAssign
{
    /// <summary>
    /// Makes each tensor of <paramref name="state"/> (keys and shapes of the module's state dict, already
    /// checked by the caller) the module's parameter or buffer, sharing its memory; a tensor of another dtype
    /// is converted to the module's. The caller may dispose its own references to the tensors afterwards.
    /// </summary>
    /// <exception cref="InvalidOperationException">a module with state of its own is not a Conv2d, BatchNorm2d or <see cref="IAssignableState"/>.</exception>
    public static void Assign(nn.Module module, IReadOnlyDictionary<string, Tensor> state)
    {
        using var _ = no_grad();
        foreach (var (path, m) in module.named_modules().Prepend(("", module)))
        {
            var prefix = path.Length == 0 ? "" : path + ".";
            foreach (var (name, p) in m.named_parameters(recurse: false).ToList())
                if (state.TryGetValue(prefix + name, out var t))
                    Set(m, name, new Parameter(Converted(t, p), requires_grad: p.requires_grad));
            foreach (var (name, b) in m.named_buffers(recurse: false).ToList())
                if (state.TryGetValue(prefix + name, out var t))
                    Set(m, name, Converted(t, b));
        }
    }

    /// <summary>
    /// A new tensor sharing <paramref name="t"/>'s memory (or a converted copy), so the caller's reference stays
    /// valid; no other handle is left for the garbage collector to free (it would keep the memory alive until then).
    /// </summary>
    private static Tensor Converted(Tensor t, Tensor like)
    {
        if (t.dtype == like.dtype) return t.detach();
        using var detached = t.detach();
        return detached.to(like.dtype);
    }

    private static void Set(nn.Module m, string name, Tensor value)
    {
        switch (m, name)
        {
            case (Conv2d c, "weight"): c.weight = (Parameter)value; break;
            case (Conv2d c, "bias"): c.bias = (Parameter)value; break;
            case (BatchNorm2d n, "weight"): n.weight = (Parameter)value; break;
            case (BatchNorm2d n, "bias"): n.bias = (Parameter)value; break;
            case (BatchNorm2d n, "running_mean"): n.running_mean = value; break;
            case (BatchNorm2d n, "running_var"): n.running_var = value; break;
            case (BatchNorm2d n, "num_batches_tracked"): n.num_batches_tracked = value; break;
            case (IAssignableState a, _): a.AssignState(name, value); break;
            default:
                value.Dispose();
                throw new InvalidOperationException($"cannot assign '{name}' of a {m.GetType().Name}: implement {nameof(IAssignableState)}");
        }
    }
}
