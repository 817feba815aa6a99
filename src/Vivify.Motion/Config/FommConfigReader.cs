using System.Globalization;
using Vivify.Configuration;

namespace Vivify.Motion;

/// <summary>
/// Reads <see cref="FommConfig"/> through <see cref="ConfigFile"/>. Unknown keys are errors everywhere: the published
/// code passes model_params to constructors as keyword arguments (a typo fails there too), and no published config
/// carries a key the reader does not know, so a key it would ignore is a typo whose setting silently keeps its default.
/// </summary>
internal static class FommConfigReader
{
    private static readonly ConfigFileOptions Options = new() { Fix = "the published config/*.yaml show the expected keys" };

    public static FommConfig Load(string path) => Parse(ConfigFile.ReadText(path, "configuration", "give an existing YAML configuration file"), path);

    public static FommConfig Parse(string yaml, string source)
    {
        var file = ConfigFile.Parse(yaml, source, Options);
        if (file.Root is null) throw new ConfigurationException(source, $"{source}: the configuration is empty; expected model_params ({Options.Fix})", key: "model_params");
        var config = file.Bind<FommConfig>();
        if (file.LineOf("model_params") is null)
            throw new ConfigurationException(source, $"{source}: no model_params section; a First Order Motion Model config needs one ({Options.Fix})", key: "model_params");
        file.CheckShape<AugmentationShape>("dataset_params.augmentation_params");
        Validate(config, file);
        config.File = file;
        return config;
    }

    private static void Validate(FommConfig c, ConfigFile file)
    {
        var p = c.model_params;
        if (p.common_params.num_kp < 1) throw file.Error("model_params.common_params.num_kp", $"must be at least 1, not {p.common_params.num_kp}");
        if (p.common_params.num_channels < 1) throw file.Error("model_params.common_params.num_channels", $"must be at least 1, not {p.common_params.num_channels}");
        CheckScale(p.kp_detector_params.scale_factor, "model_params.kp_detector_params.scale_factor", file);
        if (p.generator_params.dense_motion_params is { } d) CheckScale(d.scale_factor, "model_params.generator_params.dense_motion_params.scale_factor", file);
        if (c.dataset_params.frame_shape.Count < 2 || c.dataset_params.frame_shape.Take(2).Any(v => v < 1))
            throw file.Error("dataset_params.frame_shape", $"expected [height, width, channels] with positive sizes, not [{string.Join(", ", c.dataset_params.frame_shape)}]");
        for (var i = 0; i < p.discriminator_params.scales.Count; i++)
            if (!double.TryParse(p.discriminator_params.scales[i], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                throw file.Error("model_params.discriminator_params.scales", $"expected numbers, not '{p.discriminator_params.scales[i]}'");
    }

    private static void CheckScale(double s, string key, ConfigFile file)
    {
        if (!(s > 0 && s <= 1)) throw file.Error(key, $"must be in (0, 1], not {s.ToString(CultureInfo.InvariantCulture)}");
    }

    // The keys AllAugmentationTransform of the published augmentation.py takes, and theirs: augmentation_params stays a
    // free section (Augmentation reads it, and refuses the transforms Vivify does not implement), but a misspelt key
    // or a value of the wrong kind is found here, at its line.
    private sealed class AugmentationShape
    {
        public FlipShape? flip_param { get; set; }
        public JitterShape? jitter_param { get; set; }
        public CropShape? crop_param { get; set; }
        public ResizeShape? resize_param { get; set; }
        public RotationShape? rotation_param { get; set; }
    }

    private sealed class FlipShape
    {
        public bool time_flip { get; set; }
        public bool horizontal_flip { get; set; }
    }

    private sealed class JitterShape
    {
        public double brightness { get; set; }
        public double contrast { get; set; }
        public double saturation { get; set; }
        public double hue { get; set; }
    }

    private sealed class CropShape
    {
        public List<int> size { get; set; } = [];
    }

    private sealed class ResizeShape
    {
        public List<double> ratio { get; set; } = [];
        public string? interpolation { get; set; }
    }

    private sealed class RotationShape
    {
        public double degrees { get; set; }
    }
}
