using System.Collections;
using System.Globalization;
using System.Reflection;
using YamlDotNet.RepresentationModel;

namespace Vivify.Configuration;

/// <summary>
/// Binding of a <see cref="ConfigFile"/> to typed settings: sections to classes (keys left out keep the class's
/// defaults), lists to <see cref="List{T}"/>, values to text, whole numbers, numbers and booleans (as PyYAML
/// reads them: true/false, yes/no, on/off), a left-out value (<c>key:</c>) to null where the setting may be null.
/// </summary>
public sealed partial class ConfigFile
{
    /// <summary>A new <typeparamref name="T"/> with the file's values; every key must be one of its settable properties.</summary>
    public T Bind<T>() where T : class, new()
    {
        var target = new T();
        if (Root is not null) BindSection(Root, target, "");
        return target;
    }

    /// <summary>
    /// Checks the section at <paramref name="key"/> (dotted) against the shape <typeparamref name="T"/> without keeping
    /// the result: for free-form settings whose keys are still known (unknown keys and wrong values are errors).
    /// </summary>
    public void CheckShape<T>(string key) where T : class, new()
    {
        YamlNode? node = Root;
        foreach (var part in key.Split('.'))
            node = node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(part), out var child) ? child : null;
        if (node is null || IsNull(node)) return;
        Convert(node, typeof(T), key, null, nullable: true);
    }

    private void BindSection(YamlMappingNode map, object target, string path)
    {
        var properties = Properties(target.GetType());
        foreach (var (k, v) in map.Children)
        {
            if (k is not YamlScalarNode { Value: { } name } || name.Length == 0)
                throw At(k, path.Length == 0 ? "(top level)" : path, $"a key must be a plain name, not {Shown(k)}");
            var key = path.Length == 0 ? name : path + "." + name;
            _lines[key] = (int)k.Start.Line;
            if (path.Length == 0 && Options.OwnKeys.Contains(name)) continue;
            if (!properties.TryGetValue(name, out var p))
                throw At(k, key, $"unknown key{Suggestion(name, properties.Keys)}; expected one of {string.Join(", ", properties.Keys)}");
            var nullable = new NullabilityInfoContext().Create(p).WriteState == NullabilityState.Nullable;
            p.SetValue(target, Convert(v, p.PropertyType, key, p.GetValue(target), nullable));
        }
    }

    private Dictionary<string, PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .ToDictionary(p => Options.KeyOf(p.Name), StringComparer.Ordinal);

    private object? Convert(YamlNode node, Type type, string key, object? current, bool nullable)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (IsNull(node))
        {
            if (underlying is not null || (!type.IsValueType && nullable)) return null;
            throw Expected(node, key, type);
        }
        type = underlying ?? type;
        if (type == typeof(string)) return node is YamlScalarNode s ? s.Value ?? "" : throw Expected(node, key, type);
        if (type == typeof(bool))
        {
            return (node as YamlScalarNode)?.Value switch
            {
                "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" => true,
                "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" => false,
                _ => throw Expected(node, key, type),
            };
        }
        if (type == typeof(int) || type == typeof(long))
        {
            if (node is not YamlScalarNode { Value: { } text } || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                throw Expected(node, key, type);
            if (type == typeof(long)) return l;
            return l is >= int.MinValue and <= int.MaxValue ? (int)l : throw At(node, key, $"{l} is too large for this setting");
        }
        if (type == typeof(double) || type == typeof(float))
        {
            if (node is not YamlScalarNode { Value: { } text } || ParseNumber(text) is not { } d) throw Expected(node, key, type);
            return type == typeof(double) ? (object)d : (float)d;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            if (node is not YamlSequenceNode seq) throw Expected(node, key, type);
            var list = (IList)Activator.CreateInstance(type)!;
            var item = type.GetGenericArguments()[0];
            for (var i = 0; i < seq.Children.Count; i++) list.Add(Convert(seq.Children[i], item, $"{key}[{i}]", null, nullable: false));
            return list;
        }
        if (type == typeof(Dictionary<string, object>)) return node is YamlMappingNode free ? FreeSection(free, key, 0) : throw Expected(node, key, type);
        if (type.IsClass && type.GetConstructor(Type.EmptyTypes) is not null)
        {
            if (node is not YamlMappingNode map) throw Expected(node, key, type);
            var target = current ?? Activator.CreateInstance(type)!;
            BindSection(map, target, key);
            return target;
        }
        throw new InvalidOperationException($"configuration setting {key} has a type the reader does not know: {type.Name}");
    }

    /// <summary>A section without a fixed shape, as YamlDotNet's untyped reading gives it (text values, nested dictionaries and lists).</summary>
    private Dictionary<string, object> FreeSection(YamlMappingNode map, string key, int depth)
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? throw At(k, key, $"a key must be a plain name, not {Shown(k)}");
            _lines[$"{key}.{name}"] = (int)k.Start.Line;
            result[name] = Free(v, $"{key}.{name}", depth + 1)!;
        }
        return result;
    }

    /// <summary>Values read into free sections; aliases could otherwise make a small file describe an exponential tree.</summary>
    private int _freeValues;

    private const int MaxFreeValues = 100_000;

    private object? Free(YamlNode node, string key, int depth)
    {
        if (depth > MaxDepth) throw At(node, key, $"nested more than {MaxDepth} deep");
        if (++_freeValues > MaxFreeValues) throw At(node, key, $"more than {MaxFreeValues.ToString("N0", CultureInfo.InvariantCulture)} values (aliases repeating sections), far beyond any configuration");
        return node switch
        {
            YamlScalarNode s => IsNull(s) ? null : s.Value,
            YamlSequenceNode seq => seq.Children.Select((c, i) => Free(c, $"{key}[{i}]", depth + 1)).ToList(),
            YamlMappingNode m => FreeSection(m, key, depth).ToDictionary(kv => (object)kv.Key, kv => kv.Value),
            _ => null,
        };
    }

    private static double? ParseNumber(string text)
    {
        switch (text)
        {
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF": return double.PositiveInfinity;
            case "-.inf" or "-.Inf" or "-.INF": return double.NegativeInfinity;
            case ".nan" or ".NaN" or ".NAN": return double.NaN;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    internal static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private ConfigurationException Expected(YamlNode node, string key, Type type) => At(node, key, $"expected {Describe(type)}, not {Shown(node)}");

    private ConfigurationException At(YamlNode node, string key, string what) => new(Source, $"{Source}: line {node.Start.Line}: {key}: {what}; {Options.Fix}", (int)node.Start.Line, key);

    private string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "text";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(int) || type == typeof(long)) return "a whole number";
        if (type == typeof(double) || type == typeof(float)) return "a number";
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var item = Describe(type.GetGenericArguments()[0]);
            return $"a list such as [a, b, c] of {(item.StartsWith("a ", StringComparison.Ordinal) ? item[2..] + "s" : item)}";
        }
        if (type == typeof(Dictionary<string, object>)) return "a section of 'key: value' lines";
        return $"a section with the keys {string.Join(", ", Properties(type).Keys)}";
    }

    private static string Shown(YamlNode node) => node switch
    {
        YamlScalarNode s when IsNull(s) => "nothing",
        YamlScalarNode { Value: { } v } => $"'{(v.Length > 40 ? v[..40] + "…" : v).ReplaceLineEndings(" ")}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a section of keys",
        _ => "an alias",
    };

    /// <summary>" (did you mean 'temperature'?)" for a key a character or two from a known one.</summary>
    private static string Suggestion(string name, IEnumerable<string> known)
    {
        var best = known.Select(k => (Key: k, Distance: Distance(name, k))).MinBy(x => x.Distance);
        return best.Key is not null && best.Distance <= Math.Max(1, Math.Min(3, name.Length / 4)) ? $" (did you mean '{best.Key}'?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
