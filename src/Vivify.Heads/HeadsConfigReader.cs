using Vivify.Configuration;
using YamlDotNet.Serialization.NamingConventions;

namespace Vivify.Heads;

/// <summary>
/// Reads <see cref="HeadsConfig"/> through <see cref="ConfigFile"/>, keys in snake_case (<c>image_size: 256</c>); keys
/// left out keep their defaults, unknown keys are an error (a misspelt width must not be silently ignored). Every
/// failure is one line naming the file, the line, the key and what was expected.
/// </summary>
internal static class HeadsConfigReader
{
    private static readonly ConfigFileOptions Options = new()
    {
        KeyOf = UnderscoredNamingConvention.Instance.Apply,
        Fix = "keys are the snake_case names in src/Vivify.Heads/README.md",
    };

    public static HeadsConfig Load(string path) => Parse(ConfigFile.ReadText(path, "talking-head configuration"), path);

    public static HeadsConfig Parse(string yaml, string source)
    {
        var file = ConfigFile.Parse(yaml, source, Options);
        var config = file.Bind<HeadsConfig>();
        config.Validate(file.Error);
        return config;
    }
}
