using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Vivify.Motion;

/// <summary>
/// Reads <see cref="FommConfig"/> with YamlDotNet. Unknown keys are an error under <c>model_params</c>
/// (the published code passes them as constructor keyword arguments, so a typo there fails there too)
/// and ignored elsewhere (the published code ignores them).
/// </summary>
internal static class FommConfigReader
{
    private static readonly IDeserializer Typed = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();
    private static readonly IDeserializer Model = new DeserializerBuilder().Build();
    private static readonly ISerializer Writer = new SerializerBuilder().Build();

    public static FommConfig Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"{path}: cannot read the configuration ({e.Message}); give an existing YAML file", e);
        }
        return Parse(text, path);
    }

    public static FommConfig Parse(string yaml, string source)
    {
        try
        {
            var config = Typed.Deserialize<FommConfig?>(yaml)
                ?? throw new ConfigurationException(source, $"{source}: the configuration is empty; expected model_params (see the published config/*.yaml)");
            // Strict second pass over model_params only: a misspelt model key must not be silently ignored.
            var root = Model.Deserialize<Dictionary<string, object>>(yaml);
            if (root is null || !root.TryGetValue("model_params", out var model) || model is null)
                throw new ConfigurationException(source, $"{source}: no model_params section; a First Order Motion Model config needs one (see the published config/*.yaml)", key: "model_params");
            var strict = Writer.Serialize(model);
            config.model_params = Model.Deserialize<ModelParams>(strict);
            Validate(config, source);
            return config;
        }
        catch (YamlException e)
        {
            throw new ConfigurationException(source, $"{source}: {Describe(e)}; fix the YAML (the published config/*.yaml show the expected keys)", (int)e.Start.Line, inner: e);
        }
    }

    private static string Describe(YamlException e)
    {
        var msg = e.InnerException?.Message ?? e.Message;
        return $"line {e.Start.Line}: {msg.Split('\n')[0]}";
    }

    private static void Validate(FommConfig c, string source)
    {
        var p = c.model_params;
        if (p.common_params.num_kp < 1) throw new ConfigurationException(source, $"{source}: model_params.common_params.num_kp must be at least 1", key: "model_params.common_params.num_kp");
        if (p.common_params.num_channels < 1) throw new ConfigurationException(source, $"{source}: model_params.common_params.num_channels must be at least 1", key: "model_params.common_params.num_channels");
        CheckScale(p.kp_detector_params.scale_factor, "kp_detector_params.scale_factor", source);
        if (p.generator_params.dense_motion_params is { } d) CheckScale(d.scale_factor, "generator_params.dense_motion_params.scale_factor", source);
        if (c.dataset_params.frame_shape.Count < 2 || c.dataset_params.frame_shape.Take(2).Any(v => v < 1))
            throw new ConfigurationException(source, $"{source}: dataset_params.frame_shape must be [height, width, channels]", key: "dataset_params.frame_shape");
        foreach (var s in p.discriminator_params.scales)
            if (!double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
                throw new ConfigurationException(source, $"{source}: model_params.discriminator_params.scales has '{s}', which is not a number", key: "model_params.discriminator_params.scales");
    }

    private static void CheckScale(double s, string key, string source)
    {
        if (!(s > 0 && s <= 1)) throw new ConfigurationException(source, $"{source}: model_params.{key} must be in (0, 1], not {s}", key: "model_params." + key);
    }
}
