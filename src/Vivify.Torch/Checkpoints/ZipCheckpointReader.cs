using System.IO.Compression;
using System.Text;

namespace Vivify.Torch.Checkpoints;

/// <summary>
/// PyTorch's zip serialization (torch.save since 1.6): <c>ARCHIVE/data.pkl</c> is the pickle, each
/// storage is <c>ARCHIVE/data/KEY</c>, named by persistent ids ('storage', type, key, location, numel).
/// </summary>
internal static class ZipCheckpointReader
{
    /// <summary>
    /// PyTorch stores records uncompressed; a deflated record may expand at most this much (real data
    /// compresses far less), so a small archive cannot claim gigabytes.
    /// </summary>
    private const long MaxInflation = 64;

    /// <summary>The record's declared size when its header is plausible; otherwise the file is corrupt.</summary>
    private static long CheckedLength(ZipArchiveEntry entry, long archiveLength)
    {
        var length = entry.Length;
        var stored = entry.CompressedLength;
        var plausible = length >= 0 && stored >= 0 && stored <= archiveLength &&
            (length == stored || length <= stored * MaxInflation + (1 << 16)) && length <= Array.MaxLength;
        return plausible ? length : throw new PickleFormatException($"zip record {entry.FullName} has an impossible size");
    }

    public static object? Read(Stream stream, string file, TorchLoadOptions options, TensorFactory tensors)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var e in zip.Entries) entries.TryAdd(e.FullName, e);
        var pkl = entries.Values.Where(e => e.FullName == "data.pkl" || e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal))
            .OrderBy(e => e.FullName.Length).FirstOrDefault()
            ?? throw new PickleFormatException("zip archive has no data.pkl");
        var prefix = pkl.FullName[..^"data.pkl".Length];
        var bigEndian = entries.TryGetValue(prefix + "byteorder", out var order) &&
            Encoding.ASCII.GetString(ReadAll(order, stream.Length)).Trim() == "big";

        var storages = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
        var records = new Dictionary<StorageRef, ZipArchiveEntry>();
        object? PersistentLoad(object? pid)
        {
            if (pid is not PyTuple { Count: 5 } t || t[0] is not "storage" || t[2] is not string key)
                throw new PickleFormatException("unexpected persistent id in data.pkl");
            if (storages.TryGetValue(key, out var known))
            {
                if (t[1] is not PyGlobal g || !TensorFactory.TryStorageType(g.Module, g.Name, out var dt) || dt != known.DType)
                    throw new PickleFormatException($"storage '{key}' is used with two dtypes");
                return known;
            }
            if (!entries.TryGetValue(prefix + "data/" + key, out var entry))
                throw new PickleFormatException($"storage record data/{key} is missing");
            var length = CheckedLength(entry, stream.Length);
            var s = TensorFactory.NewStorage(key, t[1], t[4], length);
            if (s.ByteCount != length)
                throw new PickleFormatException($"storage record data/{key} holds {length} bytes, expected {s.ByteCount}");
            storages[key] = s;
            records[s] = entry;
            return s;
        }

        var bytes = ReadAll(pkl, stream.Length);
        using var ms = new MemoryStream(bytes, writable: false);
        var globals = new PickleGlobals(file, options, tensors, bytes.Length);
        var result = new Unpickler(new PickleInput(ms), globals, PersistentLoad).Load();
        tensors.Select(result, options.Sections);
        if (options.ConvWeightsChannelsLast) tensors.PlanChannelsLast();
        TimingTrace.Mark("pickle read");
        foreach (var (s, entry) in records)
            if (s.Needed)
                using (var es = entry.Open()) TensorFactory.Fill(s, es, bigEndian);
        return result;
    }

    private static byte[] ReadAll(ZipArchiveEntry entry, long archiveLength)
    {
        var length = CheckedLength(entry, archiveLength);
        var buf = new byte[length];
        using var s = entry.Open();
        s.ReadExactly(buf);
        return buf;
    }
}
