using System.Globalization;
using static TorchSharp.torch;

namespace Vivify.Torch.Checkpoints;

/// <summary>One line of a checkpoint's listing: a tensor's key, dtype and shape, or another entry's key and value.</summary>
public sealed record CheckpointEntry(string Key, string? DType, long[]? Shape, long Elements, string? Value)
{
    public bool IsTensor => DType is not null;
}

/// <summary>
/// A checkpoint as a list of entries, as <c>vivify checkpoint inspect</c> prints it: every tensor with its dtype and
/// shape (PyTorch's names: float32, uint8, …), every other value as Python prints it (None, True, 1e-08, 'text');
/// whole pickled modules are listed as the state dicts PyTorch would give.
/// </summary>
public static class CheckpointListing
{
    /// <summary>The entries of a loaded checkpoint (its tensors are left to the caller).</summary>
    public static List<CheckpointEntry> Entries(object? checkpoint)
    {
        var rows = new List<CheckpointEntry>();
        foreach (var (key, value) in CheckpointTree.Flatten(ModulesAsStateDicts(checkpoint)))
        {
            if (value is Tensor t) rows.Add(new CheckpointEntry(key, DTypeName(t.dtype), t.shape, t.numel(), null));
            else rows.Add(new CheckpointEntry(key, null, null, 0, Describe(value)));
        }
        return rows;
    }

    /// <summary>Loads <paramref name="path"/> (any container, <see cref="CheckpointIO.Load"/>) and lists it; its tensors are freed.</summary>
    public static List<CheckpointEntry> Entries(string path, TorchLoadOptions? options = null)
    {
        using var scope = NewDisposeScope();
        return Entries(CheckpointIO.Load(path, options));
    }

    /// <summary>Converts between containers by extension (<see cref="CheckpointIO.Save"/>), atomically; the tensors are freed.</summary>
    public static void Convert(string inPath, string outPath, TorchLoadOptions? options = null)
    {
        CheckpointIO.KindOf(outPath);
        using var scope = NewDisposeScope();
        CheckpointIO.Save(CheckpointIO.Load(inPath, options), outPath);
    }

    /// <summary>Whole pickled modules shown as the state dicts PyTorch would give; other objects as their pickled state.</summary>
    private static object? ModulesAsStateDicts(object? node) => node switch
    {
        PyObject o => TryModuleState(o) ?? (object)o,
        PyDict d => Rebuilt(d),
        List<object?> l when l.Count > 0 && l.All(IsScalar) => new Inline("[", l, "]"),
        PyTuple t when t.Count > 0 && t.Items.All(IsScalar) => new Inline("(", t.Items, t.Count == 1 ? ",)" : ")"),
        List<object?> l => l.Select(ModulesAsStateDicts).ToList(),
        PyTuple t => new PyTuple(t.Items.Select(ModulesAsStateDicts).ToArray()),
        _ => node,
    };

    private static bool IsScalar(object? v) => v is null or string or bool or long or int or double or System.Numerics.BigInteger;

    /// <summary>A list or tuple of plain values, printed on one line (at most 16 items, then a count).</summary>
    private sealed record Inline(string Open, IReadOnlyList<object?> Items, string Close)
    {
        public override string ToString() =>
            Open + string.Join(", ", Items.Take(16).Select(Describe)) + (Items.Count > 16 ? $", … ({Items.Count} items)" : "") + Close;
    }

    private static PyDict Rebuilt(PyDict d)
    {
        var copy = new PyDict(d.TypeName);
        foreach (var (k, v) in d) copy[k] = ModulesAsStateDicts(v);
        return copy;
    }

    private static PyDict? TryModuleState(PyObject o)
    {
        try { return ModuleState.FromPickledModule(o); }
        catch (VivifyException) { return null; }
    }

    /// <summary>A float as Python's repr writes it: 0.0002, 1e-08, 3.0, inf, nan.</summary>
    public static string PythonFloat(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        var s = d.ToString("R", System.Globalization.CultureInfo.InvariantCulture).Replace("E", "e");
        if (s.Contains('e')) { var parts = s.Split('e'); var exp = int.Parse(parts[1], CultureInfo.InvariantCulture); s = parts[0] + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture); }
        else if (!s.Contains('.')) s += ".0";
        return s;
    }

    public static string DTypeName(ScalarType t) => t switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float64 => "float64",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Int64 => "int64",
        ScalarType.Int32 => "int32",
        ScalarType.Int16 => "int16",
        ScalarType.Int8 => "int8",
        ScalarType.Byte => "uint8",
        ScalarType.Bool => "bool",
        _ => t.ToString().ToLowerInvariant(),
    };

    private static string Describe(object? v) => v switch
    {
        null => "None",
        string s => "'" + s + "'",
        bool b => b ? "True" : "False",
        double d => PythonFloat(d),
        PyTuple t => t.ToString(),
        List<object?> l => "[" + string.Join(", ", l.Select(Describe)) + "]",
        byte[] b => $"bytes[{b.Length}]",
        PyGlobal g => g.ToString(),
        PyObject po => po.ToString(),
        _ => System.Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "?",
    };
}
