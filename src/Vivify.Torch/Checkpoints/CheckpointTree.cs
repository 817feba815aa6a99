using System.Globalization;
using System.Numerics;
using static TorchSharp.torch;

namespace Vivify.Torch.Checkpoints;

/// <summary>Walks a loaded checkpoint as PyTorch users name its parts: dotted keys to leaves.</summary>
public static class CheckpointTree
{
    public const int MaxDepth = 1000;

    /// <summary>
    /// Every leaf (tensor, number, string, bool, bytes, None, class reference) in order, keyed by the
    /// dict keys and list/tuple indices on its path joined with '.', e.g. "generator.first.conv.weight",
    /// "optimizer_generator.state.0.exp_avg", "optimizer_generator.param_groups.0.betas.1", "epoch".
    /// A pickled object contributes its __dict__ state. Empty containers contribute nothing; a
    /// container met again on its own path (a cycle) is skipped.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> Flatten(object? root)
    {
        var result = new List<KeyValuePair<string, object?>>();
        var path = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Walk(root, "", 0, result, path);
        return result;
    }

    private static void Walk(object? node, string key, int depth, List<KeyValuePair<string, object?>> result, HashSet<object> path)
    {
        if (!IsContainer(node))
        {
            result.Add(new(key, node));
            return;
        }
        if (depth > MaxDepth) throw new VivifyException($"checkpoint structure is nested deeper than {MaxDepth} levels at '{key}'");
        if (!path.Add(node!)) return;
        foreach (var (k, child) in Children(node!))
            Walk(child, k.Length == 0 ? key : key.Length == 0 ? k : key + "." + k, depth + 1, result, path);
        path.Remove(node!);
    }

    private static bool IsContainer(object? o) => o is PyDict or List<object?> or PyTuple or PyObject;

    private static IEnumerable<(string, object?)> Children(object node)
    {
        switch (node)
        {
            case PyDict d:
                foreach (var kv in d) yield return (KeyText(kv.Key), kv.Value);
                break;
            case List<object?> l:
                for (var i = 0; i < l.Count; i++) yield return (i.ToString(CultureInfo.InvariantCulture), l[i]);
                break;
            case PyTuple t:
                for (var i = 0; i < t.Count; i++) yield return (i.ToString(CultureInfo.InvariantCulture), t[i]);
                break;
            case PyObject o:
                if (o.State is not null) yield return ("", o.State);
                for (var i = 0; i < o.ListItems.Count; i++) yield return (i.ToString(CultureInfo.InvariantCulture), o.ListItems[i]);
                foreach (var kv in o.DictItems) yield return (KeyText(kv.Key), kv.Value);
                break;
        }
    }

    /// <summary>A dict key as Python's str() writes it: True/False for bools, integers in decimal, tuples as "(2, 'b')".</summary>
    public static string KeyText(object key) => key switch
    {
        string s => s,
        PyTuple t => "(" + string.Join(", ", t.Items.Select(i => i is string s ? "'" + s + "'" : i is null ? "None" : KeyText(i))) + (t.Count == 1 ? ",)" : ")"),
        bool b => b ? "True" : "False",
        long or int or BigInteger => Convert.ToString(key, System.Globalization.CultureInfo.InvariantCulture)!,
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => key.ToString() ?? "",
    };

    /// <summary>Only the tensor leaves of <see cref="Flatten"/>.</summary>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> Tensors(object? root) =>
        Flatten(root).Where(kv => kv.Value is Tensor).Select(kv => new KeyValuePair<string, Tensor>(kv.Key, (Tensor)kv.Value!)).ToList();
}
