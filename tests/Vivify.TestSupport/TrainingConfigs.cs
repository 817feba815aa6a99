using System.Globalization;

namespace Vivify.TestSupport;

/// <summary>Training configurations for tests, written into a test's folder.</summary>
public static class TrainingConfigs
{
    /// <summary>
    /// fomm/tiny.yaml with flips and colour jitter, a global batch of 4, <paramref name="epochs"/> epochs of
    /// <paramref name="repeats"/> passes over the videos, a checkpoint every epoch, the lr milestone at epoch 1: DIR/NAME.
    /// </summary>
    public static string FommTiny(string dir, int epochs, int repeats, string name = "config.yaml")
    {
        var text = File.ReadAllText(Fixtures.Path("fomm", "tiny.yaml")).Replace("\r\n", "\n", StringComparison.Ordinal);
        text = text.Replace("dataset_params:\n", """
            dataset_params:
              augmentation_params:
                flip_param: {horizontal_flip: true, time_flip: true}
                jitter_param: {brightness: 0.1, contrast: 0.1, saturation: 0.1, hue: 0.1}

            """, StringComparison.Ordinal);
        text += string.Create(CultureInfo.InvariantCulture, $"""
              num_epochs: {epochs}
              num_repeats: {repeats}
              batch_size: 4
              checkpoint_freq: 1
              epoch_milestones: [1]
              lr_generator: 2.0e-4
              lr_discriminator: 2.0e-4
              lr_kp_detector: 2.0e-4

            """);
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
