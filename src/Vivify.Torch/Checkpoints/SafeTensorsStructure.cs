using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Vivify.Torch.Checkpoints;

/// <summary>
/// Carries a nested checkpoint through safetensors: tensors under their dotted names (as
/// <see cref="CheckpointTree.Flatten"/> names them), and the nesting plus every non-tensor value as JSON in
/// the metadata entry <see cref="MetadataKey"/>. A flat dict of tensors with string keys (a plain state dict)
/// needs no structure entry and gets none, so files for other tools stay plain.
/// JSON of a node: a tensor {"tensor": NAME}; a dict {"dict": [[KEY, VALUE], ...], "type": NAME|null};
/// {"list": [...]}; {"tuple": [...]}; {"int": "DIGITS"}; {"float": "R-FORMAT"}; {"bytes": BASE64};
/// a string, true/false and null as themselves.
/// </summary>
public static class SafeTensorsStructure
{
    public const string MetadataKey = "vivify.structure";

    /// <summary>A checkpoint level is up to three JSON levels ({"dict": [[key, value]]}); System.Text.Json's default stops at 64.</summary>
    private static readonly JsonSerializerOptions JsonOptions = new() { MaxDepth = 3 * CheckpointTree.MaxDepth + 8 };

    /// <summary>The tensors to store by name, and the metadata that restores the rest.</summary>
    public static (List<KeyValuePair<string, Tensor>> Tensors, Dictionary<string, string> Metadata) Split(object? root)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        if (root is PyDict flat && flat.All(kv => kv.Key is string && kv.Value is Tensor))
        {
            tensors.AddRange(flat.Select(kv => new KeyValuePair<string, Tensor>((string)kv.Key, (Tensor)kv.Value!)));
            return (tensors, metadata);
        }
        var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var json = Encode(root, "", tensors, names, used);
        metadata[MetadataKey] = json?.ToJsonString(JsonOptions) ?? "null";
        return (tensors, metadata);
    }

    /// <summary>The checkpoint a safetensors file holds: rebuilt from its structure entry, else a flat state dict.</summary>
    public static object? Rebuild(SafeTensorsContent content, string path)
    {
        var byName = content.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (!content.Metadata.TryGetValue(MetadataKey, out var text))
        {
            var dict = new PyDict("collections.OrderedDict");
            foreach (var (name, tensor) in content.Tensors) dict[name] = tensor;
            return dict;
        }
        JsonNode? node;
        try { node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = JsonOptions.MaxDepth }); }
        catch (JsonException e) { throw Bad(path, $"its '{MetadataKey}' entry is not valid JSON ({e.Message})"); }
        return Decode(node, byName, path, 0);
    }

    private static JsonNode? Encode(object? value, string key, List<KeyValuePair<string, Tensor>> tensors,
        Dictionary<Tensor, string> names, HashSet<string> used)
    {
        string Child(object k) => key.Length == 0 ? CheckpointTree.KeyText(k) : key + "." + CheckpointTree.KeyText(k);
        switch (value)
        {
            case null: return null;
            case Tensor t:
                if (!names.TryGetValue(t, out var name))
                {
                    name = key.Length == 0 ? "tensor" : key;
                    for (var i = 1; !used.Add(name); i++) name = $"{key}#{i}";
                    names[t] = name;
                    tensors.Add(new(name, t));
                }
                return new JsonObject { ["tensor"] = name };
            case PyDict d:
                var items = new JsonArray();
                foreach (var (k, v) in d)
                    items.Add(new JsonArray(Encode(k, key, tensors, names, used), Encode(v, Child(k), tensors, names, used)));
                return new JsonObject { ["dict"] = items, ["type"] = d.TypeName };
            case List<object?> l:
                return new JsonObject { ["list"] = new JsonArray(l.Select((v, i) => Encode(v, Child(i), tensors, names, used)).ToArray()) };
            case PyTuple tuple:
                return new JsonObject { ["tuple"] = new JsonArray(tuple.Items.Select((v, i) => Encode(v, Child(i), tensors, names, used)).ToArray()) };
            case string s: return JsonValue.Create(s);
            case bool b: return JsonValue.Create(b);
            case long or int or short or byte or sbyte or ushort or uint or BigInteger:
                return new JsonObject { ["int"] = Convert.ToString(value, CultureInfo.InvariantCulture) };
            case double or float:
                return new JsonObject { ["float"] = Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture) };
            case byte[] bytes: return new JsonObject { ["bytes"] = Convert.ToBase64String(bytes) };
            default:
                throw new VivifyException($"entry '{key}' is a {value.GetType().Name}, which a safetensors checkpoint cannot hold");
        }
    }

    private static object? Decode(JsonNode? node, Dictionary<string, Tensor> tensors, string path, int depth)
    {
        if (depth > CheckpointTree.MaxDepth) throw Bad(path, $"its '{MetadataKey}' entry is nested deeper than {CheckpointTree.MaxDepth} levels");
        switch (node)
        {
            case null: return null;
            case JsonValue v when v.TryGetValue<string>(out var s): return s;
            case JsonValue v when v.TryGetValue<bool>(out var b): return b;
            case JsonObject o when o.Count >= 1:
                var (tag, body) = o.First();
                switch (tag)
                {
                    case "tensor":
                        var name = Text(body, path);
                        return tensors.TryGetValue(name, out var t) ? t : throw Bad(path, $"its structure names tensor '{name}', which the file does not hold");
                    case "dict":
                        var dict = new PyDict(o["type"]?.GetValue<string>());
                        foreach (var pair in Array(body, path))
                        {
                            if (pair is not JsonArray { Count: 2 } kv) throw Bad(path, "a dict entry of its structure is not a [key, value] pair");
                            var k = Decode(kv[0], tensors, path, depth + 1) ?? throw Bad(path, "a dict key of its structure is null");
                            dict[k] = Decode(kv[1], tensors, path, depth + 1);
                        }
                        return dict;
                    case "list":
                        return Array(body, path).Select(n => Decode(n, tensors, path, depth + 1)).ToList();
                    case "tuple":
                        return new PyTuple(Array(body, path).Select(n => Decode(n, tensors, path, depth + 1)).ToArray());
                    case "int":
                        var digits = Text(body, path);
                        if (digits.Length > 10_000) throw Bad(path, $"an integer of its structure has {digits.Length} digits (checkpoints hold none that large)");
                        if (long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
                        return BigInteger.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big) ? big : throw Bad(path, $"'{digits}' in its structure is not an integer");
                    case "float":
                        var f = Text(body, path);
                        return double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Bad(path, $"'{f}' in its structure is not a number");
                    case "bytes":
                        try { return Convert.FromBase64String(Text(body, path)); }
                        catch (FormatException) { throw Bad(path, "a bytes value of its structure is not base64"); }
                }
                break;
        }
        throw Bad(path, $"its '{MetadataKey}' entry holds an unknown node {node.ToJsonString()[..Math.Min(60, node.ToJsonString().Length)]}");
    }

    private static string Text(JsonNode? n, string path) =>
        n is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Bad(path, "a value of its structure is not a string where one is expected");

    private static JsonArray Array(JsonNode? n, string path) => n as JsonArray ?? throw Bad(path, "a container of its structure is not a JSON array");

    private static SafeTensorsFormatException Bad(string path, string problem) => new(path, problem);
}
