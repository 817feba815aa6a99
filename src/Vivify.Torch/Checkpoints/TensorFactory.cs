using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Torch.Checkpoints;

/// <summary>One storage of a checkpoint: a flat tensor of <see cref="Numel"/> elements of one dtype.</summary>
internal sealed class StorageRef
{
    private Tensor? _data;

    public StorageRef(string key, ScalarType dtype, long numel, StorageRef? root = null, long baseOffset = 0)
    {
        Key = key; DType = dtype; Numel = numel; Root = root; BaseOffset = baseOffset;
    }

    public string Key { get; }
    public ScalarType DType { get; }
    public long Numel { get; }
    /// <summary>
    /// 1-D and contiguous, allocated when the storage is read (<see cref="TensorFactory.Fill"/>); null before.
    /// Tensors rebuilt from this storage become views of it. For a legacy storage view it is the root's
    /// tensor and this storage's elements start at <see cref="BaseOffset"/>.
    /// </summary>
    public Tensor? Data => Root is null ? _data : Root.Data;
    public long BaseOffset { get; }
    /// <summary>For a legacy storage view: the storage it is a slice of.</summary>
    public StorageRef? Root { get; }
    /// <summary>The storage whose bytes the file holds: the root of a view, else this one.</summary>
    public StorageRef Base => Root ?? this;
    /// <summary>Whether a tensor that the caller keeps uses these bytes (set on the <see cref="Base"/>).</summary>
    public bool Needed { get; set; }
    public bool Filled => Data is not null;
    /// <summary>[out, in, kh, kw] when this storage's one tensor is read laid out channels last (<see cref="TensorFactory.PlanChannelsLast"/>).</summary>
    public long[]? ChannelsLastShape { get; set; }
    public long ByteCount => Numel * ElementSize(DType);

    public static long ElementSize(ScalarType t) => TensorExtensionMethods.ElementSize(t);

    internal Tensor Allocate() => _data = empty(Numel, DType);
}

/// <summary>
/// Creates storages and the tensors that view them, validating every size, stride and offset against
/// the storage before TorchSharp sees it. Reading is in two steps, so that bytes nobody keeps are never
/// read: while the pickle is read, each tensor is an empty placeholder; once the caller has marked what it
/// keeps (<see cref="Need"/>), the reader fills the needed storages and <see cref="Bind"/> makes each kept
/// placeholder the view of its storage that the pickle describes.
/// </summary>
internal sealed class TensorFactory
{
    public const int MaxDims = 64;
    private readonly List<Tensor> _results = new();
    private readonly Dictionary<Tensor, Pending> _pending = new(ReferenceEqualityComparer.Instance);

    private sealed record Pending(StorageRef Storage, long[] Shape, long[] Strides, long Offset);

    /// <summary>Tensors bound to their storage's bytes by <see cref="Bind"/> (they outlive the load; storages and unread placeholders do not).</summary>
    public IReadOnlyList<Tensor> Results => _results;

    private static readonly Dictionary<string, ScalarType> StorageTypes = new()
    {
        ["FloatStorage"] = ScalarType.Float32, ["DoubleStorage"] = ScalarType.Float64,
        ["HalfStorage"] = ScalarType.Float16, ["BFloat16Storage"] = ScalarType.BFloat16,
        ["LongStorage"] = ScalarType.Int64, ["IntStorage"] = ScalarType.Int32,
        ["ShortStorage"] = ScalarType.Int16, ["CharStorage"] = ScalarType.Int8,
        ["ByteStorage"] = ScalarType.Byte, ["BoolStorage"] = ScalarType.Bool,
        ["ComplexFloatStorage"] = ScalarType.ComplexFloat32, ["ComplexDoubleStorage"] = ScalarType.ComplexFloat64,
        ["UntypedStorage"] = ScalarType.Byte,
    };

    /// <summary>torch.FloatStorage, torch.cuda.FloatStorage (mapped to the CPU), torch.storage.UntypedStorage...</summary>
    public static bool TryStorageType(string module, string name, out ScalarType dtype)
    {
        dtype = default;
        return module is "torch" or "torch.cuda" or "torch.storage" && StorageTypes.TryGetValue(name, out dtype);
    }

    /// <summary>A new storage of <paramref name="numel"/> elements; its bytes must fit in <paramref name="availableBytes"/>.</summary>
    public static StorageRef NewStorage(string key, object? storageType, object? numel, long availableBytes)
    {
        if (storageType is not PyGlobal g || !TryStorageType(g.Module, g.Name, out var dtype))
            throw new PickleFormatException($"storage '{key}' has no storage type");
        if (numel is not long n || n < 0) throw new PickleFormatException($"storage '{key}' has an invalid size");
        var elem = StorageRef.ElementSize(dtype);
        if (n > availableBytes / elem) throw new PickleFormatException($"storage '{key}' claims {n} elements, more than the file holds");
        if (n * elem > Array.MaxLength) throw new PickleFormatException($"storage '{key}' is larger than 2 GiB, which Vivify does not read");
        return new StorageRef(key, dtype, n);
    }

    /// <summary>A legacy view: elements [offset, offset+size) of <paramref name="root"/>.</summary>
    public static StorageRef View(StorageRef root, string key, object? offset, object? size)
    {
        if (offset is not long o || size is not long n || o < 0 || n < 0 || o > root.Numel || n > root.Numel - o)
            throw new PickleFormatException($"storage view '{key}' lies outside storage '{root.Key}'");
        return new StorageRef(key, root.DType, n, root, o);
    }

    /// <summary>torch._utils._rebuild_tensor(_v2): a strided view of a storage.</summary>
    public Tensor Rebuild(object? storage, object? offset, object? size, object? stride, object? requiresGrad)
    {
        if (storage is not StorageRef s) throw new PickleFormatException("tensor without a storage");
        if (offset is not long off || off < 0) throw new PickleFormatException("tensor storage offset is invalid");
        var shape = Longs(size, "shape");
        var strides = Longs(stride, "stride");
        if (shape.Length != strides.Length) throw new PickleFormatException("tensor shape and stride differ in length");
        long count = 1, maxIndex = off;
        var hasZeroStride = false;
        try
        {
            for (var i = 0; i < shape.Length; i++)
            {
                if (shape[i] < 0 || strides[i] < 0) throw new PickleFormatException("tensor has a negative size or stride");
                count = checked(count * shape[i]);
                if (shape[i] > 1 && strides[i] == 0) hasZeroStride = true;
                if (shape[i] > 0) maxIndex = checked(maxIndex + (shape[i] - 1) * strides[i]);
            }
        }
        catch (OverflowException) { throw new PickleFormatException("tensor shape overflows"); }
        if (count == 0 ? off > s.Numel : maxIndex >= s.Numel)
            throw new PickleFormatException($"tensor of shape [{string.Join(",", shape)}] does not fit storage '{s.Key}' ({s.Numel} elements)");
        if (count > s.Numel && (!hasZeroStride || count > (1L << 31)))
            throw new PickleFormatException("tensor has more elements than its storage allows");
        var t = empty(0, s.DType); // a placeholder until Bind
        if (requiresGrad is true && (torch.is_floating_point(t) || torch.is_complex(t))) t.requires_grad_(true);
        _pending[t] = new Pending(s, shape, strides, off);
        return t;
    }

    /// <summary>
    /// Decides what is read. Without <paramref name="sections"/> (or when the checkpoint is not a dict), every
    /// storage; otherwise those of the tensors under the listed top-level keys, and the other keys' values
    /// become None in <paramref name="result"/>.
    /// </summary>
    public void Select(object? result, IReadOnlyCollection<string>? sections)
    {
        if (sections is null || result is not PyDict root)
        {
            foreach (var p in _pending.Values) p.Storage.Base.Needed = true;
            return;
        }
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var key in root.Keys.ToList())
        {
            if (key is string name && sections.Contains(name)) Need(root[key], seen, 0);
            else root[key] = null;
        }
    }

    private void Need(object? node, HashSet<object> seen, int depth)
    {
        if (node is null || !seen.Add(node)) return;
        if (depth > CheckpointTree.MaxDepth) throw new PickleFormatException($"the checkpoint is nested deeper than {CheckpointTree.MaxDepth} levels");
        var d1 = depth + 1;
        switch (node)
        {
            case Tensor t when _pending.TryGetValue(t, out var p): p.Storage.Base.Needed = true; break;
            case PyDict d: foreach (var v in d.Values) Need(v, seen, d1); Need(d.Attributes, seen, d1); break;
            case List<object?> l: foreach (var v in l) Need(v, seen, d1); break;
            case PyTuple tu: foreach (var v in tu) Need(v, seen, d1); break;
            case PyObject o:
                foreach (var v in o.Args) Need(v, seen, d1);
                Need(o.State, seen, d1);
                foreach (var v in o.ListItems) Need(v, seen, d1);
                Need(o.DictItems, seen, d1);
                break;
        }
    }

    /// <summary>
    /// Marks the needed float32 storages that hold one tensor only, a contiguous [out, in, kh, kw] one with in &gt; 1 and a
    /// kernel larger than 1×1 that fills its storage (a convolution's weight), to be read laid out channels last; an
    /// output channel larger than <see cref="ChannelsLastReader.MaxBlock"/> elements (no real convolution's) is read as it is.
    /// </summary>
    public void PlanChannelsLast()
    {
        var uses = new Dictionary<StorageRef, int>();
        foreach (var p in _pending.Values) uses[p.Storage.Base] = uses.GetValueOrDefault(p.Storage.Base) + 1;
        foreach (var p in _pending.Values)
        {
            var s = p.Storage;
            if (!s.Needed || s.Root is not null || uses[s] != 1 || s.DType != ScalarType.Float32 || p.Offset != 0 || p.Shape.Length != 4) continue;
            var (o, i, h, w) = (p.Shape[0], p.Shape[1], p.Shape[2], p.Shape[3]);
            if (i > 1 && h * w > 1 && i * h * w <= ChannelsLastReader.MaxBlock && o * i * h * w == s.Numel && p.Strides.SequenceEqual([i * h * w, h * w, w, 1]))
                s.ChannelsLastShape = p.Shape;
        }
    }

    /// <summary>
    /// Makes every placeholder whose storage was read the view of it described in the pickle; the others
    /// stay empty (the caller drops what holds them).
    /// </summary>
    public void Bind()
    {
        using var _ = no_grad(); // placeholders may already require grad
        foreach (var (t, p) in _pending)
        {
            if (p.Storage.Data is not { } data) continue;
            var strides = p.Storage.ChannelsLastShape is [_, var i, var h, var w] ? [i * h * w, 1, w * i, i] : p.Strides;
            using var view = data.as_strided(p.Shape, strides, p.Storage.BaseOffset + p.Offset); // as_strided's offset counts from the root
            t.set_(view);
            _results.Add(t);
        }
    }

    /// <summary>torch._utils._rebuild_parameter(data, requires_grad, hooks).</summary>
    public static Tensor Parameter(object? data, object? requiresGrad)
    {
        if (data is not Tensor t) throw new PickleFormatException("parameter without tensor data");
        if (requiresGrad is bool rg && (torch.is_floating_point(t) || torch.is_complex(t))) t.requires_grad_(rg);
        return t;
    }

    /// <summary>Allocates a (root) storage and reads its bytes (little-endian unless told otherwise).</summary>
    public static void Fill(StorageRef s, Stream source, bool bigEndian)
    {
        if (s.Root is not null || s.Filled) throw new InvalidOperationException($"storage '{s.Key}' is a view or already read");
        var span = s.Allocate().bytes;
        if (span.Length != s.ByteCount) throw new InvalidOperationException("storage tensor byte count mismatch");
        if (s.ChannelsLastShape is { } shape) ChannelsLastReader.Read(source, MemoryMarshal.Cast<byte, float>(span), shape);
        else source.ReadExactly(span);
        if (bigEndian && StorageRef.ElementSize(s.DType) > 1)
        {
            var elem = (int)StorageRef.ElementSize(s.DType);
            if (s.DType is ScalarType.ComplexFloat32 or ScalarType.ComplexFloat64) elem /= 2;
            for (var i = 0; i + elem <= span.Length; i += elem) span.Slice(i, elem).Reverse();
        }
    }

    private static long[] Longs(object? o, string what)
    {
        if (o is not PyTuple t) throw new PickleFormatException($"tensor {what} is not a tuple");
        if (t.Count > MaxDims) throw new PickleFormatException($"tensor {what} has more than {MaxDims} dimensions");
        var r = new long[t.Count];
        for (var i = 0; i < r.Length; i++)
            r[i] = t[i] is long v ? v : throw new PickleFormatException($"tensor {what} holds a non-integer");
        return r;
    }
}
