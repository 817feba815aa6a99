using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Vivify.Stylize;

/// <summary>A <see cref="StylizeConfig"/> as YAML in the published layout (kept in model files), and what differs between two.</summary>
public static class StylizeConfigYaml
{
    public static string Write(StylizeConfig config) =>
        new SerializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build().Serialize(config);

    /// <summary>A copy through its YAML.</summary>
    public static StylizeConfig Copy(StylizeConfig config, string source) => StylizeConfig.Parse(Write(config), source);

    /// <summary>Each value that differs, as "trainer.batch_size 4 → 40" (from <paramref name="a"/> to <paramref name="b"/>), in key order.</summary>
    public static IReadOnlyList<string> Differences(StylizeConfig a, StylizeConfig b)
    {
        var left = Flatten(Write(a));
        var right = Flatten(Write(b));
        return left.Keys.Union(right.Keys).Order(StringComparer.Ordinal)
            .Where(k => left.GetValueOrDefault(k) != right.GetValueOrDefault(k))
            .Select(k => $"{k} {left.GetValueOrDefault(k) ?? "(none)"} → {right.GetValueOrDefault(k) ?? "(none)"}")
            .ToList();
    }

    /// <summary>Leaves under dotted keys; a list of plain values is one leaf, "[a, b]".</summary>
    private static Dictionary<string, string> Flatten(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var leaves = new Dictionary<string, string>();
        void Walk(YamlNode node, string key)
        {
            switch (node)
            {
                case YamlMappingNode map:
                    foreach (var (k, v) in map.Children) Walk(v, key.Length == 0 ? ((YamlScalarNode)k).Value! : $"{key}.{((YamlScalarNode)k).Value}");
                    break;
                case YamlSequenceNode seq:
                    leaves[key] = "[" + string.Join(", ", seq.Children.Select(c => (c as YamlScalarNode)?.Value ?? c.ToString())) + "]";
                    break;
                case YamlScalarNode scalar:
                    leaves[key] = scalar.Value ?? "";
                    break;
            }
        }
        if (stream.Documents.Count > 0) Walk(stream.Documents[0].RootNode, "");
        return leaves;
    }
}
