using Vivify.Configuration;
using YamlDotNet.RepresentationModel;

namespace Vivify.Stylize;

/// <summary>
/// The <c>job</c> section of the published configurations (<c>_config/reference_P.yaml</c>): the published train.py
/// reads its settings there, and the files make each of its sections an alias of the top-level one. Vivify reads the
/// top-level sections, so each section under <c>job</c> must be the same as the top-level one (as an alias or written
/// out again); <c>num_workers</c> and <c>device</c> (the data loader's workers and the device, which Vivify takes from
/// its own options) are accepted and not used.
/// </summary>
internal static class StylizeConfigJob
{
    private static readonly string[] Sections =
        ["generator", "discriminator", "perception_loss", "trainer", "opt_generator", "opt_discriminator", "training_dataset"];

    private static readonly string[] Unused = ["num_workers", "device"];

    /// <summary>Values compared at most: aliases could make a small file describe an exponential tree.</summary>
    private const int MaxCompared = 100_000;

    public static void Check(ConfigFile file)
    {
        if (file.Root is null || !file.Root.Children.TryGetValue(new YamlScalarNode("job"), out var job)) return;
        if (job is YamlScalarNode { Value: null or "" or "~" or "null" }) return;
        if (job is not YamlMappingNode map) throw file.Error("job", "expected a section of keys (the published layout repeats the top-level sections there)");
        foreach (var (k, v) in map.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "";
            var line = k.Start.Line;
            if (Unused.Contains(name)) continue;
            if (!Sections.Contains(name))
                throw new ConfigurationException(file.Source, $"{file.Source}: line {line}: job.{name}: unknown key; expected one of {string.Join(", ", Sections.Concat(Unused))}; {file.Options.Fix}", (int)line, "job." + name);
            var compared = 0;
            if (!file.Root.Children.TryGetValue(new YamlScalarNode(name), out var top) || !Same(top, v, ref compared))
                throw new ConfigurationException(file.Source, $"{file.Source}: line {line}: job.{name}: differs from the top-level {name}{(top is null ? " (there is none)" : $" on line {top.Start.Line}")}, which is what Vivify reads; make them the same (job: {name}: *alias) or delete job; {file.Options.Fix}", (int)line, "job." + name);
        }
    }

    private static bool Same(YamlNode a, YamlNode b, ref int compared)
    {
        if (ReferenceEquals(a, b)) return true;
        if (++compared > MaxCompared) return false;
        switch (a, b)
        {
            case (YamlScalarNode x, YamlScalarNode y):
                return x.Value == y.Value;
            case (YamlSequenceNode x, YamlSequenceNode y):
                if (x.Children.Count != y.Children.Count) return false;
                for (var i = 0; i < x.Children.Count; i++)
                    if (!Same(x.Children[i], y.Children[i], ref compared)) return false;
                return true;
            case (YamlMappingNode x, YamlMappingNode y):
                if (x.Children.Count != y.Children.Count) return false;
                foreach (var (k, v) in x.Children)
                    if (!y.Children.TryGetValue(k, out var w) || !Same(v, w, ref compared)) return false;
                return true;
            default:
                return false;
        }
    }
}
