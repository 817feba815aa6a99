using Vivify.Media;
using Vivify.Stylize;

namespace Vivify.Cli.Commands;

/// <summary>The stylize commands' options as the library takes them: --device, --key/--mask, --config, --vgg19.</summary>
internal static class StylizeArgs
{
    /// <summary>The --device to run the networks on (null: the CPU).</summary>
    public static string? Device(System.CommandLine.ParseResult parse) => parse.GetValue(Cli.Device);

    /// <summary>The model files Vivify writes: torch.save zips.</summary>
    public static OutputPlan Model(this OutputPlan plan, string? path) =>
        plan.File(path, "a model", Vivify.Torch.Checkpoints.CheckpointIO.TorchExtensions);

    /// <summary>"N=FILE" (N a 0-based frame number) as given to --key and --mask.</summary>
    public static (int Frame, string Path) ParseFramePath(string text, string option)
    {
        var eq = text.IndexOf('=');
        if (eq <= 0 || eq == text.Length - 1 || !int.TryParse(text[..eq], out var n) || n < 0)
            throw new UsageException($"{option} '{text}' is not FRAME=FILE with a 0-based frame number, e.g. {option} 0=painted.png");
        return (n, text[(eq + 1)..]);
    }

    /// <summary>The configuration: a YAML file, or Vivify's bundled copy of the published reference_P.</summary>
    public static StylizeConfig Config(string? path) => StylizeInputs.Config(path);

    /// <summary>--vgg19 for the perceptual term, or null (and a log line saying the term is left out).</summary>
    public static string? Vgg(string? path, StylizeConfig config, TextWriter log, bool quiet)
    {
        if (path is not null) return path;
        if (!quiet && config.PerceptionLoss.Weight != 0)
            log.WriteLine($"stylize: no --vgg19 given: training without the perceptual (VGG19) loss term (its weight {config.PerceptionLoss.Weight} is not applied); the loss is {config.Trainer.ReconstructionWeight}·L1 + {config.Trainer.AdversarialWeight}·adversarial");
        return null;
    }

    /// <summary>Checks --key/--mask against a clip of <paramref name="frameCount"/> frames and pairs the masks with their keys.</summary>
    public static List<KeyframeFile> Keys(IEnumerable<string> keys, IEnumerable<string> masks, int frameCount, string video)
    {
        var specs = new List<KeyframeFile>();
        foreach (var k in keys)
        {
            var (n, p) = ParseFramePath(k, "--key");
            if (n >= frameCount) throw new VivifyException($"--key {k}: frame {n} is out of range, {video} has frames 0–{frameCount - 1}");
            if (!File.Exists(p)) throw new VivifyException($"{p}: keyframe {n} not found; check the --key path");
            if (specs.Any(s => s.Frame == n)) throw new UsageException($"--key: frame {n} is given twice");
            specs.Add(new KeyframeFile(n, p));
        }
        if (specs.Count == 0) throw new UsageException("give at least one painted keyframe: --key FRAME=PAINTED.png");
        foreach (var m in masks)
        {
            var (n, p) = ParseFramePath(m, "--mask");
            var i = specs.FindIndex(s => s.Frame == n);
            if (i < 0) throw new UsageException($"--mask {m}: frame {n} has no --key; a mask belongs to a painted keyframe");
            if (!File.Exists(p)) throw new VivifyException($"{p}: mask for frame {n} not found; check the --mask path");
            specs[i] = specs[i] with { MaskPath = p };
        }
        return specs.OrderBy(s => s.Frame).ToList();
    }
}
