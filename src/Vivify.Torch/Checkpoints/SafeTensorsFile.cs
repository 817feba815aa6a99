using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Vivify.Torch.Checkpoints;

/// <summary>A safetensors file is malformed: the message names the file and what is wrong.</summary>
public sealed class SafeTensorsFormatException : VivifyException
{
    public SafeTensorsFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: not a valid safetensors file: {problem}; re-export it or use an intact copy", inner) { }
}

/// <summary>The tensors of a safetensors file in header order, and its <c>__metadata__</c>.</summary>
public sealed class SafeTensorsContent
{
    public SafeTensorsContent(IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    public IReadOnlyList<KeyValuePair<string, Tensor>> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public Tensor this[string name] =>
        Tensors.FirstOrDefault(kv => kv.Key == name).Value ?? throw new KeyNotFoundException($"tensor '{name}' is not in the file");
}

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of JSON
/// <c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}</c> (padded with
/// spaces to a multiple of 8), then the tensors' bytes, row-major, little-endian, offsets relative to the
/// end of the header.
/// </summary>
public static class SafeTensorsFile
{
    /// <summary>The reference implementation's limit on the header size (100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public static SafeTensorsContent Load(string path)
    {
        byte[] file;
        try { file = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"{path}: cannot read ({e.Message}); check the path", e);
        }
        return Parse(file, path);
    }

    public static SafeTensorsContent Parse(ReadOnlySpan<byte> file, string path)
    {
        if (file.Length < 8) throw new SafeTensorsFormatException(path, $"the file has {file.Length} bytes, fewer than the 8-byte header length");
        var n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (n > MaxHeaderBytes) throw new SafeTensorsFormatException(path, $"header length {n} is larger than the 100 MB limit");
        if ((long)n > file.Length - 8) throw new SafeTensorsFormatException(path, $"header length {n} exceeds the {file.Length - 8} bytes after it (truncated file?)");
        var dataStart = 8 + (int)n;
        var dataLength = (long)file.Length - dataStart;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(file.Slice(8, (int)n).ToArray()); }
        catch (JsonException e) { throw new SafeTensorsFormatException(path, "the header is not valid JSON (" + e.Message.Split('\n')[0] + ")", e); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new SafeTensorsFormatException(path, "the header is not a JSON object");

        var metadata = new Dictionary<string, string>();
        var specs = new List<(string Name, ScalarType Type, long[] Shape, long Begin, long End)>();
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            if (prop.Name == "__metadata__")
            {
                if (prop.Value.ValueKind != JsonValueKind.Object) throw new SafeTensorsFormatException(path, "__metadata__ is not an object");
                foreach (var m in prop.Value.EnumerateObject())
                {
                    if (m.Value.ValueKind != JsonValueKind.String) throw new SafeTensorsFormatException(path, $"__metadata__ value '{m.Name}' is not a string");
                    metadata[m.Name] = m.Value.GetString()!;
                }
                continue;
            }
            specs.Add(ReadSpec(prop, path, dataLength));
        }

        var sorted = specs.OrderBy(s => s.Begin).ThenBy(s => s.End).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Begin < sorted[i - 1].End)
                throw new SafeTensorsFormatException(path, $"tensors '{sorted[i - 1].Name}' and '{sorted[i].Name}' overlap");

        var tensors = new List<KeyValuePair<string, Tensor>>(specs.Count);
        foreach (var s in specs)
            tensors.Add(new(s.Name, TensorDtypes.FromBytes(file.Slice(dataStart + (int)s.Begin, (int)(s.End - s.Begin)), s.Type, s.Shape)));
        return new SafeTensorsContent(tensors, metadata);
    }

    private static (string, ScalarType, long[], long, long) ReadSpec(JsonProperty prop, string path, long dataLength)
    {
        var name = prop.Name;
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object) throw new SafeTensorsFormatException(path, $"entry '{name}' is not an object");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has no dtype");
        if (!TensorDtypes.TryFromSafeTensorsName(dt.GetString()!, out var type, out var size))
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has dtype '{dt.GetString()}', which Vivify does not read (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)");
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has no shape");
        var shape = new long[sh.GetArrayLength()];
        long numel = 1;
        int k = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var dim) || dim < 0)
                throw new SafeTensorsFormatException(path, $"tensor '{name}' has an invalid shape");
            shape[k++] = dim;
            numel = dim == 0 || numel <= long.MaxValue / dim ? numel * dim : throw new SafeTensorsFormatException(path, $"tensor '{name}' has an impossibly large shape");
        }
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has no data_offsets [begin, end]");
        if (!off[0].TryGetInt64(out var begin) || !off[1].TryGetInt64(out var end) || begin < 0 || end < begin)
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has invalid data_offsets");
        if (end > dataLength)
            throw new SafeTensorsFormatException(path, $"tensor '{name}' data_offsets [{begin}, {end}] are beyond the {dataLength} data bytes (truncated file?)");
        if (numel > long.MaxValue / size || end - begin != numel * size)
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has {end - begin} bytes but its dtype and shape need {numel * size}");
        return (name, type, shape, begin, end);
    }

    /// <summary>Saves atomically: a temporary file beside <paramref name="path"/> is renamed over it when complete.</summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        AtomicFile.Write(path, s => Save(s, list, metadata));
    }

    public static void Save(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = new HashSet<string>();
        var blobs = new List<(string Name, Tensor Tensor, byte[] Bytes)>();
        foreach (var (name, tensor) in tensors)
        {
            if (name == "__metadata__") throw new VivifyException("a tensor cannot be named '__metadata__' in a safetensors file");
            if (!names.Add(name)) throw new VivifyException($"tensor name '{name}' appears twice; safetensors names must be unique");
            blobs.Add((name, tensor, TensorDtypes.ToBytes(tensor)));
        }

        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor, bytes) in blobs)
            {
                w.WriteStartObject(name);
                w.WriteString("dtype", TensorDtypes.SafeTensorsName(tensor.dtype));
                w.WriteStartArray("shape");
                foreach (var d in tensor.shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes.Length);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes.Length;
            }
            w.WriteEndObject();
        }
        var header = json.ToArray();
        var padded = (header.Length + 7) / 8 * 8;
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
        stream.Write(len);
        stream.Write(header);
        for (int i = header.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var b in blobs) stream.Write(b.Bytes);
        stream.Flush();
    }
}
