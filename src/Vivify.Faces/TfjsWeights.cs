using System.Text.Json;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>One weight of a TensorFlow.js manifest, dequantised: float32 values (float32, uint8/uint16-quantised
/// and float16 weights) or int32 values (int32, quantised int32 and bool as 0/1), in TensorFlow's row-major layout.</summary>
public sealed record TfjsWeight(string Name, long[] Shape, string DType, float[]? Floats, int[]? Ints)
{
    /// <summary>A new CPU tensor with the weight's shape (float32 or int32); the caller disposes it.</summary>
    public Tensor ToTensor() => Floats is not null ? tensor(Floats, Shape) : tensor(Ints!, Shape);
}

/// <summary>
/// Reads TensorFlow.js weight manifests (<c>*-weights_manifest.json</c>): a list of groups, each naming its shard files
/// (<c>paths</c>, concatenated in order) and its weights (<c>name</c>, <c>shape</c>, <c>dtype</c>, optional
/// <c>quantization</c>), laid out one after another in the group's bytes, little-endian.
/// Quantised weights are dequantised as tfjs does: uint8/uint16 <c>q</c> becomes <c>q * scale + min</c>, float16 widens.
/// </summary>
public static class TfjsWeights
{
    /// <summary>All weights of the manifest by name, in manifest order. Throws <see cref="VivifyException"/> naming the
    /// file for a manifest that cannot be read, a missing shard, or shards whose size differs from what the weights need.</summary>
    public static IReadOnlyDictionary<string, TfjsWeight> Read(string manifestPath)
    {
        if (!File.Exists(manifestPath))
            throw new VivifyException($"{manifestPath}: weight manifest not found; run make setup (it places the face-api networks under data/face-api/model)");
        var groups = ParseManifest(manifestPath);
        var dir = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        var result = new Dictionary<string, TfjsWeight>();
        foreach (var group in groups)
        {
            var bytes = ReadShards(manifestPath, dir, group.Paths);
            long offset = 0;
            foreach (var spec in group.Weights)
            {
                var need = spec.Count * spec.BytesPerElement;
                if (offset + need > bytes.Length)
                    throw new VivifyException($"{manifestPath}: shards {string.Join(", ", group.Paths)} hold {bytes.Length} bytes but the weights need more (at '{spec.Name}'); the model files are truncated or from another version: run make setup again");
                var w = Decode(spec, bytes.AsSpan((int)offset, (int)need));
                if (!result.TryAdd(spec.Name, w))
                    throw new VivifyException($"{manifestPath}: weight '{spec.Name}' appears twice; the manifest is damaged: run make setup again");
                offset += need;
            }
            if (offset != bytes.Length)
                throw new VivifyException($"{manifestPath}: shards {string.Join(", ", group.Paths)} hold {bytes.Length} bytes but the weights need {offset}; the model files do not match the manifest: run make setup again");
        }
        return result;
    }

    /// <summary>The weight named <paramref name="name"/> with the shape <paramref name="shape"/>, or a one-line error naming the manifest.</summary>
    public static TfjsWeight Require(this IReadOnlyDictionary<string, TfjsWeight> weights, string name, long[] shape, string source)
    {
        if (!weights.TryGetValue(name, out var w))
            throw new VivifyException($"{source}: weight '{name}' is missing; is this the right model's manifest?");
        if (!w.Shape.SequenceEqual(shape))
            throw new VivifyException($"{source}: weight '{name}' has shape [{string.Join(",", w.Shape)}], expected [{string.Join(",", shape)}]; is this the right model's manifest?");
        return w;
    }

    private sealed record Spec(string Name, long[] Shape, string DType, string? QuantDType, double Scale, double Min)
    {
        public long Count => Shape.Aggregate(1L, (a, b) => a * b);
        public int BytesPerElement => (QuantDType ?? DType) switch
        {
            "uint8" or "bool" => 1,
            "uint16" or "float16" => 2,
            _ => 4,
        };
    }

    private sealed record Group(string[] Paths, Spec[] Weights);

    private static List<Group> ParseManifest(string manifestPath)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(manifestPath)); // ReadAllText drops a UTF-8 byte-order mark
            var groups = new List<Group>();
            foreach (var g in doc.RootElement.EnumerateArray())
            {
                var paths = g.GetProperty("paths").EnumerateArray().Select(p => p.GetString()!).ToArray();
                var specs = g.GetProperty("weights").EnumerateArray().Select(w => ParseSpec(manifestPath, w)).ToArray();
                groups.Add(new Group(paths, specs));
            }
            return groups;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new VivifyException($"{manifestPath}: not a TensorFlow.js weight manifest ({e.Message}); run make setup again", e);
        }
    }

    private static Spec ParseSpec(string manifestPath, JsonElement w)
    {
        var name = w.GetProperty("name").GetString()!;
        var shape = w.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        if (shape.Any(d => d < 0))
            throw new VivifyException($"{manifestPath}: weight '{name}' has a negative dimension in [{string.Join(",", shape)}]");
        var dtype = w.GetProperty("dtype").GetString()!;
        if (dtype is not ("float32" or "int32" or "bool"))
            throw new VivifyException($"{manifestPath}: weight '{name}' has dtype '{dtype}', which Vivify does not read (float32, int32, bool)");
        string? qdtype = null;
        double scale = 1, min = 0;
        if (w.TryGetProperty("quantization", out var q))
        {
            qdtype = q.GetProperty("dtype").GetString()!;
            if (qdtype is "uint8" or "uint16")
            {
                scale = q.GetProperty("scale").GetDouble();
                min = q.GetProperty("min").GetDouble();
            }
            else if (qdtype != "float16")
                throw new VivifyException($"{manifestPath}: weight '{name}' is quantised as '{qdtype}', which Vivify does not read (uint8, uint16, float16)");
            if (dtype == "bool" || (dtype == "int32" && qdtype == "float16"))
                throw new VivifyException($"{manifestPath}: weight '{name}' is a {dtype} quantised as '{qdtype}', which TensorFlow.js does not define");
        }
        return new Spec(name, shape, dtype, qdtype, scale, min);
    }

    private static byte[] ReadShards(string manifestPath, string dir, string[] paths)
    {
        using var all = new MemoryStream();
        foreach (var p in paths)
        {
            var file = Path.Combine(dir, p);
            if (!File.Exists(file))
                throw new VivifyException($"{manifestPath}: weight shard {file} is missing; run make setup again");
            using var s = File.OpenRead(file);
            s.CopyTo(all);
        }
        return all.ToArray();
    }

    private static TfjsWeight Decode(Spec spec, ReadOnlySpan<byte> bytes)
    {
        var n = (int)spec.Count;
        if (spec.DType == "int32" && spec.QuantDType is not null)
        {
            // tfjs: Int32Array of Math.round(q * scale + min) (JavaScript rounds halves up).
            var ints = new int[n];
            for (var i = 0; i < n; i++)
            {
                double q = spec.QuantDType == "uint8" ? bytes[i] : BitConverter.ToUInt16(bytes.Slice(i * 2, 2));
                ints[i] = (int)Math.Floor(q * spec.Scale + spec.Min + 0.5);
            }
            return new TfjsWeight(spec.Name, spec.Shape, spec.DType, null, ints);
        }
        switch (spec.QuantDType ?? spec.DType)
        {
            case "int32":
                {
                    var ints = new int[n];
                    for (var i = 0; i < n; i++) ints[i] = BitConverter.ToInt32(bytes.Slice(i * 4, 4));
                    return new TfjsWeight(spec.Name, spec.Shape, spec.DType, null, ints);
                }
            case "bool":
                {
                    var ints = new int[n];
                    for (var i = 0; i < n; i++) ints[i] = bytes[i] != 0 ? 1 : 0;
                    return new TfjsWeight(spec.Name, spec.Shape, spec.DType, null, ints);
                }
        }
        var f = new float[n];
        switch (spec.QuantDType)
        {
            case null:
                for (var i = 0; i < n; i++) f[i] = BitConverter.ToSingle(bytes.Slice(i * 4, 4));
                break;
            case "uint8":
                // tfjs: Float32Array of (q * scale + min), evaluated in double and rounded to float32 once.
                for (var i = 0; i < n; i++) f[i] = (float)(bytes[i] * spec.Scale + spec.Min);
                break;
            case "uint16":
                for (var i = 0; i < n; i++) f[i] = (float)(BitConverter.ToUInt16(bytes.Slice(i * 2, 2)) * spec.Scale + spec.Min);
                break;
            case "float16":
                for (var i = 0; i < n; i++) f[i] = (float)BitConverter.ToHalf(bytes.Slice(i * 2, 2));
                break;
        }
        return new TfjsWeight(spec.Name, spec.Shape, spec.DType, f, null);
    }
}
