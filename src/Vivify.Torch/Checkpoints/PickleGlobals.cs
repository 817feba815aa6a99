using System.Globalization;
using System.Text;
using static TorchSharp.torch;

namespace Vivify.Torch.Checkpoints;

/// <summary>
/// The allowlist: which Python globals a checkpoint may name, and what calling them (REDUCE, NEWOBJ)
/// or updating what they made (BUILD, SETITEMS, APPENDS) means in Vivify's object model.
/// Anything else is refused with <see cref="CheckpointGlobalRefusedException"/>; nothing is executed.
/// </summary>
internal sealed class PickleGlobals
{
    private readonly string _file;
    private readonly TorchLoadOptions _options;
    private readonly TensorFactory _tensors;

    private long _copyBudget;

    /// <param name="inputBytes">Size of the pickle input: bounds how many container items calls may copy.</param>
    public PickleGlobals(string file, TorchLoadOptions options, TensorFactory tensors, long inputBytes)
    {
        _copyBudget = 4 * inputBytes + 1_000_000;
        _file = file;
        _options = options;
        _tensors = tensors;
    }

    private static readonly HashSet<string> Functions = new()
    {
        "collections.OrderedDict", "builtins.dict", "builtins.list", "builtins.tuple", "builtins.set",
        "builtins.frozenset", "builtins.object", "builtins.int", "builtins.float", "builtins.bool", "builtins.str",
        "builtins.bytes", "builtins.bytearray",
        "numpy.dtype", "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
        "torch.Size", "torch.device", "_codecs.encode", "copyreg._reconstructor",
        "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
    };

    private static readonly HashSet<string> DTypes = new()
    {
        "float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64", "long", "int32", "int",
        "int16", "short", "int8", "uint8", "bool", "complex64", "cfloat", "complex128", "cdouble",
    };

    /// <summary>GLOBAL / STACK_GLOBAL / INST: a <see cref="PyGlobal"/> when allowed.</summary>
    public PyGlobal Resolve(string module, string name)
    {
        // Python 2 names, as pickle's fix_imports maps them.
        module = module switch { "__builtin__" => "builtins", "copy_reg" => "copyreg", _ => module };
        var full = module + "." + name;
        if (Functions.Contains(full) || TensorFactory.TryStorageType(module, name, out _) ||
            (module == "torch" && DTypes.Contains(name)) || (IsClassName(name) && _options.AllowsClass(full)))
            return new PyGlobal(module, name);
        throw new CheckpointGlobalRefusedException(_file, full);
    }

    private static bool IsClassName(string name) => name.Length > 0 && !name.Contains('.') && !name.StartsWith("__", StringComparison.Ordinal);

    /// <summary>REDUCE: callable(*args).</summary>
    public object? Call(object? callable, object?[] args)
    {
        if (callable is not PyGlobal g) throw new PickleFormatException("REDUCE on something not callable");
        switch (g.FullName)
        {
            case "collections.OrderedDict":
            case "builtins.dict":
                {
                    var d = new PyDict(g.FullName == "builtins.dict" ? null : g.FullName);
                    if (args.Length > 1) throw new PickleFormatException($"{g.FullName} takes at most one argument");
                    if (args is [PyDict source])
                    {
                        Charge(source.Count);
                        foreach (var (k, v) in source) SetItem(d, k, v);
                    }
                    else if (args.Length == 1) foreach (var pair in Iterate(args[0])) SetItem(d, Pair(pair).Key, Pair(pair).Value);
                    return d;
                }
            case "builtins.list": return args.Length == 0 ? new List<object?>() : new List<object?>(Iterate(Single(args, g)));
            case "builtins.tuple": return args.Length == 0 ? new PyTuple() : new PyTuple(Iterate(Single(args, g)).ToArray());
            case "builtins.set":
            case "builtins.frozenset":
                {
                    var s = NewSet(g.Name);
                    if (args.Length > 0) s.ListItems.AddRange(Iterate(Single(args, g)));
                    return s;
                }
            case "torch.Size": return args.Length == 0 ? new PyTuple() : new PyTuple(Iterate(Single(args, g)).ToArray());
            case "torch.device":
                return args switch
                {
                    [string type] => type,
                    [string type, long index] => $"{type}:{index}",
                    _ => throw new PickleFormatException("torch.device with unexpected arguments"),
                };
            case "_codecs.encode": // protocol-2 pickles of bytes: _codecs.encode(text, 'latin1')
                if (args is [string text, string enc] && enc.Replace("-", "").Equals("latin1", StringComparison.OrdinalIgnoreCase))
                {
                    if (text.Any(c => c > 0xff)) throw new PickleFormatException("latin-1 bytes hold a wide character");
                    return Encoding.Latin1.GetBytes(text);
                }
                throw new PickleFormatException("_codecs.encode with unexpected arguments");
            case "copyreg._reconstructor":
                if (args is [PyGlobal cls, PyGlobal { FullName: "builtins.object" }, null] && IsModuleClass(cls))
                    return new PyObject(cls.Module, cls.Name);
                throw new PickleFormatException("copyreg._reconstructor with unexpected arguments");
            case "torch._utils._rebuild_tensor":
                if (args.Length != 4) throw new PickleFormatException("_rebuild_tensor takes 4 arguments");
                return _tensors.Rebuild(args[0], args[1], args[2], args[3], false);
            case "torch._utils._rebuild_tensor_v2":
                if (args.Length is < 6 or > 7) throw new PickleFormatException("_rebuild_tensor_v2 takes 6 or 7 arguments");
                return _tensors.Rebuild(args[0], args[1], args[2], args[3], args[4]);
            case "torch._utils._rebuild_parameter":
                if (args.Length != 3) throw new PickleFormatException("_rebuild_parameter takes 3 arguments");
                return TensorFactory.Parameter(args[0], args[1]);
            case "torch._utils._rebuild_parameter_with_state":
                if (args.Length != 4) throw new PickleFormatException("_rebuild_parameter_with_state takes 4 arguments");
                return TensorFactory.Parameter(args[0], args[1]);
            case "builtins.bytes":
            case "builtins.bytearray":
                if (args.Length == 0) return Array.Empty<byte>();
                if (args is [string latin, string enc2]) return Call(new PyGlobal("_codecs", "encode"), [latin, enc2]);
                return Iterate(Single(args, g)).Select(b => b is long v and >= 0 and <= 255 ? (byte)v : throw new PickleFormatException("bytes() of a non-byte")).ToArray();
            case "numpy.dtype" when args is [string, ..]: return new PyObject("numpy", "dtype", args);
            case "numpy.core.multiarray.scalar":
            case "numpy._core.multiarray.scalar":
                return args is [PyObject { FullName: "numpy.dtype" } dtype, byte[] data]
                    ? NumpyScalar.Decode(dtype, data)
                    : throw new PickleFormatException("numpy scalar with unexpected arguments");
            case "builtins.int" when args is [long or bool]: return Convert.ToInt64(args[0], CultureInfo.InvariantCulture);
            case "builtins.float" when args is [double]: return args[0];
            case "builtins.bool" when args is [bool]: return args[0];
            case "builtins.str" when args is [string]: return args[0];
        }
        if (IsModuleClass(g)) return new PyObject(g.Module, g.Name, args);
        throw new PickleFormatException($"'{g.FullName}' cannot be called with these arguments");
    }

    /// <summary>NEWOBJ / INST / OBJ: cls.__new__(cls, *args).</summary>
    public object? NewObject(object? cls, object?[] args)
    {
        if (cls is not PyGlobal g) throw new PickleFormatException("NEWOBJ on something that is not a class");
        if (IsModuleClass(g)) return new PyObject(g.Module, g.Name, args);
        return g.FullName switch
        {
            "collections.OrderedDict" or "builtins.dict" or "builtins.set" or "builtins.frozenset" or "builtins.list" => Call(g, []),
            _ => throw new PickleFormatException($"'{g.FullName}' cannot be instantiated"),
        };
    }

    private bool IsModuleClass(PyGlobal g) => !Functions.Contains(g.FullName) && IsClassName(g.Name) && _options.AllowsClass(g.FullName);

    internal static PyObject NewSet(string kind) => new("builtins", kind);

    /// <summary>BUILD: obj.__setstate__(state) or obj.__dict__.update(state).</summary>
    public static void Build(object? target, object? state)
    {
        switch (target)
        {
            case PyObject o: o.State = state; break;
            case PyDict d when state is PyDict attrs: d.Attributes = attrs; break; // e.g. a state dict's _metadata
            case PyDict when state is null: break;
            case Tensor: break; // tensor subclass state: Vivify keeps plain tensors
            default: throw new PickleFormatException($"BUILD on a {Describe(target)}");
        }
    }

    public static void SetItem(object? target, object? key, object? value)
    {
        if (key is null or List<object?> or PyDict) throw new PickleFormatException("dictionary key of an unhashable type");
        switch (target)
        {
            case PyDict d: d[key] = value; break;
            case PyObject o: o.DictItems[key] = value; break;
            default: throw new PickleFormatException($"SETITEM on a {Describe(target)}");
        }
    }

    public static void Append(object? target, List<object?> items)
    {
        switch (target)
        {
            case List<object?> l: l.AddRange(items); break;
            case PyObject o: o.ListItems.AddRange(items); break;
            default: throw new PickleFormatException($"APPEND on a {Describe(target)}");
        }
    }

    public static void AddItems(object? target, List<object?> items)
    {
        if (target is PyObject { Module: "builtins", Name: "set" } s) s.ListItems.AddRange(items);
        else throw new PickleFormatException($"ADDITEMS on a {Describe(target)}");
    }

    private static object? Single(object?[] args, PyGlobal g) =>
        args.Length == 1 ? args[0] : throw new PickleFormatException($"{g.FullName} takes one argument");

    /// <summary>The items of an iterable argument; copies are charged to a budget proportional to the input, so
    /// repeated list(x) calls cannot blow up memory.</summary>
    private IReadOnlyList<object?> Iterate(object? o)
    {
        IReadOnlyList<object?> items = o switch
        {
            List<object?> l => l,
            PyTuple t => t.Items,
            PyObject { Module: "builtins" } s => s.ListItems,
            PyDict d => d.Keys.ToList(),
            _ => throw new PickleFormatException($"cannot iterate a {Describe(o)}"),
        };
        Charge(items.Count);
        return items;
    }

    private void Charge(int copiedItems)
    {
        _copyBudget -= copiedItems;
        if (_copyBudget < 0) throw new PickleFormatException("containers copied too often");
    }

    private static KeyValuePair<object?, object?> Pair(object? o) => o switch
    {
        PyTuple { Count: 2 } t => new(t[0], t[1]),
        List<object?> { Count: 2 } l => new(l[0], l[1]),
        _ => throw new PickleFormatException("dictionary item is not a pair"),
    };

    internal static string Describe(object? o) => o switch
    {
        null => "None",
        PyObject p => p.FullName,
        PyGlobal g => g.FullName,
        _ => o.GetType().Name,
    };
}
