using System.Globalization;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using static TorchSharp.torch;

namespace Vivify.Torch.Checkpoints;

/// <summary>
/// Writes a checkpoint object graph (see PyValues.cs) as pickle protocol 2, the way torch.save writes
/// data.pkl: tensors become <c>torch._utils._rebuild_tensor_v2</c> calls whose storage is a persistent id
/// <c>('storage', torch.FloatStorage, key, 'cpu', numel)</c>; the storages' bytes are returned in
/// <see cref="Storages"/> for the caller to store as <c>data/&lt;key&gt;</c>. Objects reachable twice
/// (the same PyDict, list, tuple, tensor instance) are memoized, so they stay shared after loading.
/// An instance is one <see cref="Dump"/>'s state; it owns its output stream and releases it when disposed.
/// </summary>
public sealed class Pickler : IDisposable
{
    private readonly MemoryStream _out = new();
    private readonly Dictionary<object, int> _memo = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, int> _globals = new();
    private int _nextMemo;
    private bool _disposed;

    /// <summary>Storage key ("0", "1", ...) and the storage's raw little-endian bytes, in key order.</summary>
    public List<KeyValuePair<string, byte[]>> Storages { get; } = new();

    /// <summary>Pickles <paramref name="value"/>; returns the data.pkl bytes.</summary>
    public static byte[] Dump(object? value, out List<KeyValuePair<string, byte[]>> storages)
    {
        using var p = new Pickler();
        p._out.WriteByte(0x80); // PROTO
        p._out.WriteByte(2);
        p.Save(value);
        p._out.WriteByte((byte)'.'); // STOP
        storages = p.Storages;
        return p._out.ToArray();
    }

    /// <summary>Releases the output stream; idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _out.Dispose();
    }

    private void Save(object? value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        switch (value)
        {
            case null: Op('N'); return;
            case bool b: _out.WriteByte(b ? (byte)0x88 : (byte)0x89); return;
            case long or int or short or byte or sbyte or ushort or uint: SaveInt(Convert.ToInt64(value, CultureInfo.InvariantCulture)); return;
            case BigInteger big: SaveBig(big); return;
            case double d: SaveFloat(d); return;
            case float f: SaveFloat(f); return;
            case string s: SaveString(s); return;
        }
        if (_memo.TryGetValue(value, out var id)) { Get(id); return; }
        switch (value)
        {
            case byte[] bytes: SaveBytes(bytes); break;
            case PyTuple t: SaveTuple(t); break;
            case List<object?> list: SaveList(list); break;
            case PyDict dict: SaveDict(dict); break;
            case Tensor tensor: SaveTensor(tensor); break;
            default:
                throw new VivifyException($"a value of type {value.GetType().Name} cannot be saved in a checkpoint: use PyDict, List<object?>, PyTuple, string, long, double, bool, byte[], null or Tensor");
        }
    }

    private void SaveInt(long v)
    {
        if (v >= 0 && v < 256) { Op('K'); _out.WriteByte((byte)v); }
        else if (v >= 0 && v < 65536) { Op('M'); Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); _out.Write(b); }
        else if (v >= int.MinValue && v <= int.MaxValue) { Op('J'); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, (int)v); _out.Write(b); }
        else SaveBig(v);
    }

    private void SaveBig(BigInteger v)
    {
        if (v >= int.MinValue && v <= int.MaxValue && v >= long.MinValue) { SaveInt((long)v); return; }
        var bytes = v.ToByteArray(isUnsigned: false, isBigEndian: false); // minimal two's complement, as pickle's encode_long
        if (bytes.Length > 255) throw new VivifyException("an integer in the checkpoint is too large to save (more than 255 bytes)");
        _out.WriteByte(0x8a); // LONG1
        _out.WriteByte((byte)bytes.Length);
        _out.Write(bytes);
    }

    private void SaveFloat(double d)
    {
        Op('G');
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, d);
        _out.Write(b);
    }

    private void SaveString(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        Op('X');
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)bytes.Length);
        _out.Write(b);
        _out.Write(bytes);
    }

    // Python 3 pickles bytes at protocol 2 as _codecs.encode(latin1 text, 'latin1'), as torch.save does.
    private void SaveBytes(byte[] bytes)
    {
        Global("_codecs", "encode");
        SaveString(Encoding.Latin1.GetString(bytes));
        SaveString("latin1");
        _out.WriteByte(0x86); // TUPLE2
        Op('R');
        Memoize(bytes);
    }

    private void SaveTuple(PyTuple t)
    {
        if (t.Count == 0) { Op(')'); return; } // the empty tuple is not memoized, as in Python
        if (t.Count <= 3)
        {
            foreach (var item in t.Items) Save(item);
            if (_memo.TryGetValue(t, out var id)) { Op('0', t.Count); Get(id); return; } // recursive tuple: POP items
            _out.WriteByte((byte)(0x85 + t.Count - 1)); // TUPLE1..3
        }
        else
        {
            Op('(');
            foreach (var item in t.Items) Save(item);
            if (_memo.TryGetValue(t, out var id)) { Op('1'); Get(id); return; } // POP_MARK
            Op('t');
        }
        Memoize(t);
    }

    private void SaveList(List<object?> list)
    {
        Op(']');
        Memoize(list);
        for (int i = 0; i < list.Count; i += 1000)
        {
            Op('(');
            for (int j = i; j < Math.Min(i + 1000, list.Count); j++) Save(list[j]);
            Op('e'); // APPENDS
        }
    }

    private void SaveDict(PyDict dict)
    {
        if (dict.TypeName is null or "dict" or "builtins.dict") Op('}');
        else
        {
            var dot = dict.TypeName.LastIndexOf('.');
            if (dot <= 0) throw new VivifyException($"dictionary type '{dict.TypeName}' is not a module-qualified name such as collections.OrderedDict");
            Global(dict.TypeName[..dot], dict.TypeName[(dot + 1)..]);
            Op(')');
            Op('R');
        }
        Memoize(dict);
        SaveItems(dict);
    }

    private void SaveItems(IEnumerable<KeyValuePair<object, object?>> items)
    {
        var batch = new List<KeyValuePair<object, object?>>(1000);
        foreach (var kv in items)
        {
            batch.Add(kv);
            if (batch.Count == 1000) Flush();
        }
        Flush();

        void Flush()
        {
            if (batch.Count == 0) return;
            Op('(');
            foreach (var kv in batch) { Save(kv.Key); Save(kv.Value); }
            Op('u'); // SETITEMS
            batch.Clear();
        }
    }

    private void SaveTensor(Tensor tensor)
    {
        var type = tensor.dtype;
        var storageName = TensorDtypes.StorageName(type);
        var shape = tensor.shape;
        var key = Storages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Storages.Add(new(key, TensorDtypes.ToBytes(tensor)));

        Global("torch._utils", "_rebuild_tensor_v2");
        Op('(');
        // persistent id: ('storage', torch.XStorage, key, location, numel)
        Op('(');
        SaveString("storage");
        Global("torch", storageName);
        SaveString(key);
        SaveString("cpu");
        SaveInt(tensor.numel());
        Op('t');
        Op('Q'); // BINPERSID
        SaveInt(0); // storage offset: the storage is the tensor's own contiguous copy
        SaveTuple(new PyTuple(shape.Select(s => (object?)s).ToArray()));
        SaveTuple(new PyTuple(ContiguousStrides(shape).Select(s => (object?)s).ToArray()));
        Save(tensor.requires_grad);
        Global("collections", "OrderedDict"); // backward hooks: always empty
        Op(')');
        Op('R');
        Op('t');
        Op('R');
        Memoize(tensor);
    }

    private static long[] ContiguousStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { strides[i] = s; s *= Math.Max(shape[i], 1); }
        return strides;
    }

    private void Global(string module, string name)
    {
        var full = module + "\n" + name + "\n";
        if (_globals.TryGetValue(full, out var id)) { Get(id); return; }
        Op('c');
        _out.Write(Encoding.ASCII.GetBytes(full));
        _globals[full] = Put();
    }

    private void Memoize(object o) => _memo[o] = Put();

    private int Put()
    {
        var id = _nextMemo++;
        if (id < 256) { Op('q'); _out.WriteByte((byte)id); }
        else { Op('r'); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)id); _out.Write(b); }
        return id;
    }

    private void Get(int id)
    {
        if (id < 256) { Op('h'); _out.WriteByte((byte)id); }
        else { Op('j'); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)id); _out.Write(b); }
    }

    private void Op(char c, int times = 1)
    {
        for (int i = 0; i < times; i++) _out.WriteByte((byte)c);
    }
}
