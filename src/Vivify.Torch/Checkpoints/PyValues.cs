using System.Globalization;
using System.Collections;

namespace Vivify.Torch.Checkpoints;

// The object graph of a PyTorch checkpoint as Vivify reads and writes it.
//
// A pickled value maps to C# as follows:
//   None -> null, bool -> bool, int -> long (System.Numerics.BigInteger when it does not fit),
//   float -> double, str -> string, bytes -> byte[], list -> List<object?>, tuple -> PyTuple,
//   dict / collections.OrderedDict -> PyDict (insertion order kept),
//   torch tensors and parameters -> TorchSharp.torch.Tensor (parameters with requires_grad set),
//   an allowlisted class instance (a pickled nn.Module, argparse.Namespace, ...) -> PyObject,
//   set / frozenset -> PyObject "builtins.set" / "builtins.frozenset" (elements in ListItems),
//   an allowlisted class or dtype held as a value -> PyGlobal.

/// <summary>A Python dict or OrderedDict: keys in insertion order.</summary>
public sealed class PyDict : IEnumerable<KeyValuePair<object, object?>>
{
    private readonly List<KeyValuePair<object, object?>> _items = new();
    private readonly Dictionary<object, int> _index = new(PyKeyComparer.Instance);

    public PyDict(string? typeName = null) => TypeName = typeName;

    /// <summary>Fully qualified Python type when it is not a plain dict, e.g. "collections.OrderedDict".</summary>
    public string? TypeName { get; set; }

    /// <summary>Instance attributes pickled with the dict (BUILD state), e.g. a state dict's "_metadata"; null when none.</summary>
    public PyDict? Attributes { get; set; }

    public int Count => _items.Count;
    public IEnumerable<object> Keys => _items.Select(kv => kv.Key);
    public IEnumerable<object?> Values => _items.Select(kv => kv.Value);

    public object? this[object key]
    {
        get => _index.TryGetValue(key, out var i) ? _items[i].Value : throw new KeyNotFoundException($"key '{key}' is not in the dictionary");
        set
        {
            if (_index.TryGetValue(key, out var i)) _items[i] = new(key, value);
            else { _index[key] = _items.Count; _items.Add(new(key, value)); }
        }
    }

    public void Add(object key, object? value)
    {
        if (_index.ContainsKey(key)) throw new ArgumentException($"duplicate key '{key}'");
        this[key] = value;
    }

    public bool ContainsKey(object key) => _index.ContainsKey(key);

    public bool TryGetValue(object key, out object? value)
    {
        if (_index.TryGetValue(key, out var i)) { value = _items[i].Value; return true; }
        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<object, object?>> GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A Python tuple. Equality is structural so tuples can be dictionary keys.</summary>
public sealed class PyTuple : IReadOnlyList<object?>, IEquatable<PyTuple>
{
    public PyTuple(params object?[] items) => Items = items;

    public object?[] Items { get; }
    public int Count => Items.Length;
    public object? this[int index] => Items[index];

    public bool Equals(PyTuple? other) =>
        other is not null && other.Items.Length == Items.Length &&
        Items.Zip(other.Items).All(p => PyKeyComparer.Instance.Equals(p.First!, p.Second!));

    public override bool Equals(object? obj) => obj is PyTuple t && Equals(t);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var item in Items) h.Add(item is null ? 0 : PyKeyComparer.Instance.GetHashCode(item));
        return h.ToHashCode();
    }

    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)Items).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    public override string ToString() => "(" + string.Join(", ", Items.Select(i => i?.ToString() ?? "None")) + (Items.Length == 1 ? ",)" : ")");
}

/// <summary>
/// An instance of an allowlisted Python class, kept as data: nothing of it is ever run.
/// For a pickled torch.nn.Module, <see cref="State"/> is its __dict__ (a PyDict holding
/// "_parameters", "_buffers" and "_modules", among others).
/// </summary>
public sealed class PyObject
{
    public PyObject(string module, string name, object?[]? args = null)
    {
        Module = module;
        Name = name;
        Args = args ?? Array.Empty<object?>();
    }

    public string Module { get; }
    public string Name { get; }
    public string FullName => Module + "." + Name;
    /// <summary>Constructor arguments (NEWOBJ / REDUCE).</summary>
    public object?[] Args { get; }
    /// <summary>What BUILD set: usually a PyDict (the instance __dict__), or a (dict, slots) tuple.</summary>
    public object? State { get; set; }
    /// <summary>Items appended (APPENDS) or set (SETITEMS) on a list- or dict-like instance.</summary>
    public List<object?> ListItems { get; } = new();
    public PyDict DictItems { get; } = new();

    public override string ToString() => $"<{FullName}>";
}

/// <summary>Key equality as Python has it for the key types checkpoints use (str, int, tuple, bool).</summary>
public sealed class PyKeyComparer : IEqualityComparer<object>
{
    public static readonly PyKeyComparer Instance = new();

    public new bool Equals(object? x, object? y)
    {
        if (x is null || y is null) return x is null && y is null;
        if (IsInteger(x) && IsInteger(y)) return Convert.ToInt64(x, CultureInfo.InvariantCulture) == Convert.ToInt64(y, CultureInfo.InvariantCulture);
        return x.Equals(y);
    }

    public int GetHashCode(object obj) => IsInteger(obj) ? Convert.ToInt64(obj, CultureInfo.InvariantCulture).GetHashCode() : obj.GetHashCode();

    private static bool IsInteger(object o) => o is long or int or short or byte or bool;
}
