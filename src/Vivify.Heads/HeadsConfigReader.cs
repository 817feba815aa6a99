using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Vivify.Heads;

/// <summary>
/// Reads <see cref="HeadsConfig"/> from YAML with snake_case keys (<c>image_size: 256</c>); keys left out keep
/// their defaults, unknown keys are an error (a misspelt width must not be silently ignored). Every failure is
/// one line naming the file, the line and the fix.
/// </summary>
internal static class HeadsConfigReader
{
    private static readonly IDeserializer Reader = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    public static HeadsConfig Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VivifyException($"{path}: cannot read the talking-head configuration ({e.Message.Split('\n')[0]}); pass an existing YAML file");
        }
        return Parse(text, path);
    }

    public static HeadsConfig Parse(string yaml, string source)
    {
        HeadsConfig? config;
        try { config = Reader.Deserialize<HeadsConfig?>(yaml); }
        catch (YamlException e)
        {
            var msg = (e.InnerException?.Message ?? e.Message).Split('\n')[0];
            throw new VivifyException($"{source}: line {e.Start.Line}: {msg}; fix the YAML (keys are the snake_case names in src/Vivify.Heads/README.md)", e);
        }
        config ??= new HeadsConfig();
        config.Validate(source);
        return config;
    }
}
