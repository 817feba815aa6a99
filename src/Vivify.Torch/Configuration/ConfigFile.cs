using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Vivify.Configuration;

/// <summary>How a configuration's keys are spelt and where its errors send the user.</summary>
public sealed class ConfigFileOptions
{
    /// <summary>The YAML key of a property: the name itself unless given (e.g. snake_case).</summary>
    public Func<string, string> KeyOf { get; init; } = name => name;

    /// <summary>Ends every error: where the expected keys are shown, e.g. "see the published config/*.yaml".</summary>
    public required string Fix { get; init; }

    /// <summary>Top-level keys the caller reads itself from <see cref="ConfigFile.Root"/>: not bound, not unknown.</summary>
    public IReadOnlyCollection<string> OwnKeys { get; init; } = [];
}

/// <summary>
/// One YAML configuration, the single reading path of every configuration in Vivify (motion, stylization, talking
/// heads). Every failure is one line that names the file, the line the key is on, the dotted key and what was
/// expected: syntax errors (an unclosed '[' included), unknown keys (with the known ones, and the nearest as a
/// suggestion), values of the wrong kind (a number where a list is expected), and the checks the caller makes on
/// the values afterwards (<see cref="Error"/>). Hostile files end the same way: nesting is limited while the text
/// is read as a stream of events (no recursion), the size is limited, and aliases are bound through typed
/// settings only, so a shared node costs its size once per use.
/// </summary>
public sealed partial class ConfigFile
{
    /// <summary>Far above any configuration (the published ones are under 3 kB).</summary>
    public const int MaxCharacters = 1 << 20;

    /// <summary>Sections and lists nested deeper than this are refused before the tree is built.</summary>
    public const int MaxDepth = 64;

    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    private ConfigFile(string source, ConfigFileOptions options, YamlMappingNode? root)
    {
        Source = source;
        Options = options;
        Root = root;
    }

    /// <summary>The file (or the description of the text) that messages name.</summary>
    public string Source { get; }

    public ConfigFileOptions Options { get; }

    /// <summary>The top-level mapping; null for an empty file.</summary>
    public YamlMappingNode? Root { get; }

    /// <summary>
    /// Reads <paramref name="path"/>; <paramref name="what"/> names the kind of configuration in the error and
    /// <paramref name="fix"/> ends the error for a missing file.
    /// </summary>
    public static string ReadText(string path, string what, string fix = "give an existing YAML file")
    {
        if (Directory.Exists(path)) throw new InvalidInputException(path, $"{path}: is a folder, not a {what} file; {fix}");
        if (!File.Exists(path)) throw new InvalidInputException(path, $"{path}: {what} file not found; {fix}");
        try
        {
            if (new FileInfo(path).Length > 4L * MaxCharacters) throw TooLarge(path);
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"{path}: cannot read the {what} ({e.Message.Split('\n')[0]}); {fix}");
        }
    }

    /// <summary>Parses configuration text; <paramref name="source"/> names it in messages.</summary>
    public static ConfigFile Parse(string yaml, string source, ConfigFileOptions options)
    {
        if (yaml.Length > MaxCharacters) throw TooLarge(source);
        CheckEvents(yaml, source, options);
        var stream = new YamlStream();
        try { stream.Load(new StringReader(yaml)); }
        catch (YamlException e) { throw new ConfigurationException(source, $"{source}: line {e.Start.Line}: {YamlMessage(e)}; {options.Fix}", (int)(e.Start.Line), inner: e); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new ConfigurationException(source, $"{source}: {OneLine(e.Message)}; {options.Fix}", inner: e);
        }
        if (stream.Documents.Count > 1)
            throw new ConfigurationException(source, $"{source}: line {stream.Documents[1].RootNode.Start.Line}: a second YAML document; a configuration file holds one; {options.Fix}");
        var root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        return root switch
        {
            null => new ConfigFile(source, options, null),
            YamlScalarNode s when IsNull(s) => new ConfigFile(source, options, null),
            YamlMappingNode m => new ConfigFile(source, options, m),
            _ => throw new ConfigurationException(source, $"{source}: line {root.Start.Line}: expected sections of 'key: value' lines, not {Shown(root)}; {options.Fix}"),
        };
    }

    /// <summary>The line <paramref name="key"/> (dotted, as in messages) is on, once <see cref="Bind{T}"/> has read it; null when absent.</summary>
    public int? LineOf(string key) => _lines.TryGetValue(key, out var line) ? line : null;

    /// <summary>
    /// A value found wrong after reading: "FILE: line N: KEY: WHAT; FIX", without the line for a key the file
    /// leaves out (its default is then what is wrong).
    /// </summary>
    public ConfigurationException Error(string key, string what) =>
        new(Source, $"{Source}: {(LineOf(key) is { } line ? $"line {line}: " : "")}{key}: {what}; {Options.Fix}", LineOf(key), key);

    private static ConfigurationException TooLarge(string source) =>
        new(source, $"{source}: more than {MaxCharacters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} characters, far beyond any configuration; give the YAML configuration file");

    /// <summary>
    /// Reads the text as a stream of events (the parser keeps its own stack, so no depth overflows it): syntax
    /// errors with their line, an unclosed '[' or '{' at the line it opens, and nesting beyond <see cref="MaxDepth"/>.
    /// </summary>
    private static void CheckEvents(string yaml, string source, ConfigFileOptions options)
    {
        var open = new Stack<(Mark Start, string Flow)>();
        var parser = new Parser(new StringReader(yaml));
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case SequenceStart s:
                        open.Push((s.Start, s.Style == YamlDotNet.Core.Events.SequenceStyle.Flow ? "[" : ""));
                        break;
                    case MappingStart m:
                        open.Push((m.Start, m.Style == YamlDotNet.Core.Events.MappingStyle.Flow ? "{" : ""));
                        break;
                    case SequenceEnd or MappingEnd when open.Count > 0:
                        open.Pop();
                        break;
                }
                if (open.Count > MaxDepth)
                    throw new ConfigurationException(source, $"{source}: line {open.Peek().Start.Line}: sections and lists nested more than {MaxDepth} deep; a configuration has a few levels; {options.Fix}");
            }
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            // An unclosed '[' or '{' shows as an error further on (YamlDotNet's parser may even give up with an
            // InvalidOperationException at the end of the text): name the line where it opens.
            var flow = open.FirstOrDefault(o => o.Flow.Length > 0);
            if (flow.Flow is { Length: > 0 } && (e is InvalidOperationException || LooksUnclosed((YamlException)e)))
                throw new ConfigurationException(source, $"{source}: line {flow.Start.Line}: the '{flow.Flow}' opened here is never closed with '{(flow.Flow == "[" ? "]" : "}")}'; {options.Fix}", (int)(flow.Start.Line), inner: e);
            if (e is YamlException y) throw new ConfigurationException(source, $"{source}: line {y.Start.Line}: {YamlMessage(y)}; {options.Fix}", (int)(y.Start.Line), inner: e);
            throw new ConfigurationException(source, $"{source}: line {parser.Current?.Start.Line ?? 1}: the YAML ends where more was expected; {options.Fix}", (int)(parser.Current?.Start.Line ?? 1), inner: e);
        }
    }

    private static bool LooksUnclosed(YamlException e) =>
        YamlMessage(e).Contains("flow", StringComparison.OrdinalIgnoreCase) || YamlMessage(e).Contains("did not find expected", StringComparison.OrdinalIgnoreCase);

    /// <summary>YamlDotNet's message without its "(Line: 3, Col: 5, Idx: 20) - (…): " prefix, on one line.</summary>
    private static string YamlMessage(YamlException e) => OneLine(MarkPrefix().Replace(e.Message, ""));

    private static string OneLine(string s) => s.Split('\n')[0].Trim().TrimEnd('.');

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarkPrefix();
}
