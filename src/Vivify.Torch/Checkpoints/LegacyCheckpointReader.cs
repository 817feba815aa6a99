using System.Globalization;
using System.Numerics;

namespace Vivify.Torch.Checkpoints;

/// <summary>
/// PyTorch's legacy serialization (before 1.6, e.g. the published vox-cpk.pth.tar): pickles of the
/// magic number, the protocol version and sys_info, then the main pickle (persistent ids
/// ('storage', type, key, location, numel, view_metadata)), a pickled list of storage keys, and each
/// storage in that order as an int64 element count followed by its raw bytes.
/// </summary>
internal static class LegacyCheckpointReader
{
    private static readonly BigInteger Magic = BigInteger.Parse("119547037146038801333356", CultureInfo.InvariantCulture);
    private const long ProtocolVersion = 1001;

    public static object? Read(Stream stream, string file, TorchLoadOptions options, TensorFactory tensors)
    {
        var input = new PickleInput(stream);
        var globals = new PickleGlobals(file, options, tensors, input.Remaining);
        object? Next(Func<object?, object?>? pl = null) => new Unpickler(input, globals, pl).Load();

        if (Next() is not BigInteger magic || magic != Magic)
            throw new PickleFormatException("not a PyTorch checkpoint (magic number missing)");
        if (Next() is not long version || version != ProtocolVersion)
            throw new PickleFormatException("unknown legacy checkpoint protocol version");
        var sysInfo = Next() as PyDict ?? throw new PickleFormatException("sys_info is missing");
        var bigEndian = sysInfo.TryGetValue("little_endian", out var le) && le is false;

        var storages = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
        var views = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
        long claimedBytes = 0;
        object? PersistentLoad(object? pid)
        {
            if (pid is PyTuple { Count: 4 } m && m[0] is "module") return m[1]; // a pickled module's class (source kept aside)
            if (pid is not PyTuple { Count: 6 } t || t[0] is not "storage" || t[2] is not string key)
                throw new PickleFormatException("unexpected persistent id in the checkpoint");
            if (!storages.TryGetValue(key, out var root))
            {
                // Every storage's bytes follow the main pickle: all of them together must fit what is left.
                root = TensorFactory.NewStorage(key, t[1], t[4], input.Remaining - claimedBytes);
                claimedBytes += root.ByteCount;
                storages[key] = root;
            }
            else if (t[1] is not PyGlobal g || !TensorFactory.TryStorageType(g.Module, g.Name, out var dt) || dt != root.DType)
                throw new PickleFormatException($"storage '{key}' is used with two dtypes");
            if (t[5] is null) return root;
            if (t[5] is not PyTuple { Count: 3 } view || view[0] is not string viewKey)
                throw new PickleFormatException($"storage '{key}' has invalid view metadata");
            if (!views.TryGetValue(viewKey, out var v))
                views[viewKey] = v = TensorFactory.View(root, viewKey, view[1], view[2]);
            return v;
        }

        var result = Next(PersistentLoad);
        tensors.Select(result, options.Sections);
        if (options.ConvWeightsChannelsLast) tensors.PlanChannelsLast();
        if (Next() is not List<object?> keys) throw new PickleFormatException("storage key list is missing");
        var present = new HashSet<StorageRef>();
        foreach (var k in keys)
        {
            if (k is not string key || !storages.TryGetValue(key, out var s) || !present.Add(s))
                throw new PickleFormatException($"storage key '{k}' is not used by the checkpoint");
            var numel = input.ReadInt64();
            if (numel != s.Numel) throw new PickleFormatException($"storage '{key}' holds {numel} elements, expected {s.Numel}");
            if (s.ByteCount > input.Remaining) throw PickleInput.Truncated(s.ByteCount);
            if (s.Needed) TensorFactory.Fill(s, stream, bigEndian);
            else input.Skip(s.ByteCount); // bytes of tensors the caller does not keep are never read
        }
        var missing = storages.Values.FirstOrDefault(s => !present.Contains(s));
        if (missing is not null) throw new PickleFormatException($"storage '{missing.Key}' has no data");
        return result;
    }
}
