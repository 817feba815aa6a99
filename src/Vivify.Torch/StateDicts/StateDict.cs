using TorchSharp;
using Vivify.Torch.Checkpoints;
using static TorchSharp.torch;

namespace Vivify.Torch.StateDicts;

/// <summary>
/// State dicts with PyTorch's key names and order, and strict loading that reports every difference.
/// </summary>
/// <remarks>
/// TorchSharp's own <c>module.state_dict()</c> uses PyTorch's key names (nested modules joined by '.',
/// <c>ModuleList</c> children as indices, BatchNorm's <c>running_mean</c>, <c>running_var</c> and
/// <c>num_batches_tracked</c>) but lists every parameter of the whole tree before any buffer. PyTorch
/// walks the tree instead: a module's own parameters, then its own persistent buffers, then each child
/// in registration order. <see cref="Of"/> walks the tree as PyTorch does.
/// </remarks>
public static class StateDict
{
    /// <summary>
    /// The module's state dict in PyTorch's order. Values are the live parameters and buffers (not copies):
    /// read them, or copy into them under <c>no_grad</c>.
    /// </summary>
    public static List<KeyValuePair<string, Tensor>> Of(nn.Module module)
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        Walk(module, "", result);
        return result;
    }

    /// <summary>The state dict as a <c>collections.OrderedDict</c> of detached tensors (sharing storage), ready to pickle.</summary>
    public static PyDict ToPyDict(nn.Module module)
    {
        var dict = new PyDict("collections.OrderedDict");
        foreach (var (key, value) in Of(module)) dict.Add(key, value.detach());
        return dict;
    }

    private static void Walk(nn.Module module, string prefix, List<KeyValuePair<string, Tensor>> into)
    {
        foreach (var (name, p) in module.named_parameters(recurse: false))
            if (p is not null) into.Add(new(prefix + name, p));
        foreach (var (name, b) in module.named_buffers(recurse: false, include_nonpersistent: false))
            if (b is not null) into.Add(new(prefix + name, b));
        foreach (var (name, child) in module.named_children())
            Walk(child, prefix + name + ".", into);
    }

    /// <summary>Loads a state dict given as a dictionary (see <see cref="Load(nn.Module, IEnumerable{KeyValuePair{string, Tensor}}, bool, string)"/>).</summary>
    public static LoadResult Load(nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true, string source = "FILE") =>
        Load(module, (IEnumerable<KeyValuePair<string, Tensor>>)stateDict, strict, source);

    /// <summary>Loads a state dict read from a checkpoint: a PyDict of string keys and tensor values.</summary>
    public static LoadResult Load(nn.Module module, PyDict stateDict, bool strict = true, string source = "FILE")
    {
        var entries = new List<KeyValuePair<string, Tensor>>(stateDict.Count);
        foreach (var (key, value) in stateDict)
        {
            if (key is not string name || value is not Tensor tensor)
                throw new ModelMismatchException($"checkpoint {source}: entry '{key}' of the state dict is a {value?.GetType().Name ?? "None"}, not a tensor; is this a state dict?", source);
            entries.Add(new(name, tensor));
        }
        return Load(module, entries, strict, source);
    }

    /// <summary>
    /// Copies a state dict into the module's existing parameters and buffers (<c>copy_</c> under
    /// <c>no_grad</c>, so optimizers keep their references), converting dtypes (a float64, float16 or
    /// bfloat16 checkpoint into a float32 model) and devices. Checks everything before copying anything.
    /// </summary>
    /// <param name="strict">When true, any missing or unexpected key fails; shape mismatches always fail (as in PyTorch).</param>
    /// <param name="source">The checkpoint's file name, for the error message.</param>
    /// <exception cref="StateDictMismatchException">The state dict does not fit the model.</exception>
    public static LoadResult Load(nn.Module module, IEnumerable<KeyValuePair<string, Tensor>> stateDict, bool strict = true, string source = "FILE")
    {
        var target = Of(module);
        var given = new Dictionary<string, Tensor>();
        var givenOrder = new List<string>();
        foreach (var (key, value) in stateDict)
        {
            if (given.ContainsKey(key)) throw new ModelMismatchException($"checkpoint {source}: key '{key}' appears twice in the state dict", source);
            given[key] = value;
            givenOrder.Add(key);
        }

        var modelKeys = new HashSet<string>(target.Select(kv => kv.Key));
        var missing = new List<KeyMismatch>();
        var mismatched = new List<KeyMismatch>();
        foreach (var (key, tensor) in target)
        {
            if (!given.TryGetValue(key, out var src)) missing.Add(new(key, null, tensor.shape));
            else if (!src.shape.SequenceEqual(tensor.shape)) mismatched.Add(new(key, src.shape, tensor.shape));
        }
        var unexpected = givenOrder.Where(k => !modelKeys.Contains(k)).Select(k => new KeyMismatch(k, given[k].shape, null)).ToList();

        if (mismatched.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw strict
                ? new StateDictMismatchException(source, missing, unexpected, mismatched)
                : new StateDictMismatchException(source, [], [], mismatched);

        using (no_grad())
        {
            foreach (var (key, tensor) in target)
                if (given.TryGetValue(key, out var src)) tensor.copy_(src);
        }
        return new LoadResult(missing.Select(m => m.Key).ToList(), unexpected.Select(u => u.Key).ToList());
    }
}

/// <summary>What a non-strict load left out: model keys the checkpoint lacks, checkpoint keys the model lacks.</summary>
public sealed record LoadResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);

/// <summary>One key that differs: its shape in the checkpoint and in the model (null where absent).</summary>
public sealed record KeyMismatch(string Key, long[]? CheckpointShape, long[]? ModelShape)
{
    public static string Shape(long[]? shape) => shape is null ? "-" : "[" + string.Join(",", shape) + "]";
}
