using System.CommandLine;
using Vivify.Stylize;
using Vivify.Stylize.Prep;

namespace Vivify.Cli.Commands;

/// <summary>The training and input-preparation options shared by `stylize`, `stylize train` and `stylize watch`.</summary>
internal sealed class StylizeOptions
{
    public readonly Option<string[]> Keys = new("--key") { Description = "A painted keyframe: FRAME=PAINTED.png (0-based frame number; repeat for more)", AllowMultipleArgumentsPerToken = false };
    public readonly Option<string[]> Masks = new("--mask") { Description = "Where a keyframe is painted: FRAME=MASK.png (white = painted; default: the whole frame)" };
    public readonly Option<long?> Steps = new("--steps") { Description = "Training steps (one discriminator and one generator update each)" };
    public readonly Option<double?> Minutes = new("--minutes") { Description = "Training time in minutes (with --steps: whichever ends first)" };
    public readonly Option<string?> Vgg19 = new("--vgg19") { Description = "torchvision's vgg19-dcbb9e9d.pth for the perceptual loss (without it that term is left out)" };
    public readonly Option<string?> Config = new("--config") { Description = "Training configuration YAML (default: the published reference_P values, configs/stylize-reference_P.yaml)" };
    public readonly Option<bool> Aux = new("--aux") { Description = "Add the auxiliary Gaussian-disk guide channels (flow-advected), for temporal coherence" };
    public readonly Option<string> Prefilter = new("--prefilter") { Description = "Input pre-filter: temporal (published, along optical flow), spatial (per frame), none", DefaultValueFactory = _ => "temporal" };
    public readonly Option<bool> NoAverage = new("--no-average") { Description = "Stylize with the last trained weights, as the published tool does, instead of their running average" };
    public readonly Option<int?> Batch = new("--batch") { Description = "Patches per training step (default: the configuration's batch_size)" };

    public const long DefaultSteps = 2000;

    public void AddTo(Command cmd, bool keys = true)
    {
        if (keys) { cmd.Options.Add(Keys); cmd.Options.Add(Masks); }
        foreach (var o in new Option[] { Steps, Minutes, Vgg19, Config, Aux, Prefilter, Batch, NoAverage }) cmd.Options.Add(o);
    }

    /// <summary>
    /// The configuration: --config, or the default; when continuing a model file (<paramref name="resumeFrom"/>), the
    /// one the model was trained with unless --config is given, which is then said, with what differs.
    /// </summary>
    public StylizeConfig LoadConfig(ParseResult parse, string? resumeFrom = null, Action<string>? log = null)
    {
        var given = parse.GetValue(Config);
        var stored = resumeFrom is null ? null : StylizeSession.StoredConfig(resumeFrom);
        var config = given is null && stored is not null ? stored : StylizeInputs.Config(given);
        if (resumeFrom is not null && log is not null)
        {
            if (stored is null)
                log($"{resumeFrom} does not hold its training configuration (an older model): continuing with {given ?? "the default configuration (reference_P)"}; give --config if it was trained with another");
            else if (given is null) log($"continuing with the configuration {resumeFrom} was trained with");
            else
            {
                // The generator's shape comes from the model's weights whatever the configuration says.
                var asGiven = StylizeConfigYaml.Copy(config, given);
                asGiven.Generator.Args = stored.Generator.Args;
                var changes = StylizeConfigYaml.Differences(stored, asGiven);
                log(changes.Count == 0
                    ? $"--config {given} is the configuration {resumeFrom} was trained with"
                    : $"--config {given} replaces the configuration {resumeFrom} was trained with: {string.Join(", ", changes)}");
            }
        }
        if (parse.GetValue(Batch) is int b)
        {
            if (b < 1) throw new UsageException("--batch must be at least 1");
            config.Trainer.BatchSize = b;
        }
        return config;
    }

    /// <summary>Whether the session keeps the weight average for inference (not with --no-average).</summary>
    public bool Average(ParseResult parse) => !parse.GetValue(NoAverage);

    /// <summary>The painted keyframes' and masks' files named by --key and --mask.</summary>
    public IEnumerable<string> KeyFiles(ParseResult parse) =>
        (parse.GetValue(Keys) ?? []).Select(k => StylizeInputs.ParseFramePath(k, "--key").Path)
        .Concat((parse.GetValue(Masks) ?? []).Select(m => StylizeInputs.ParseFramePath(m, "--mask").Path));

    public PreFilter Filter(ParseResult parse) => FramePrep.Parse(parse.GetValue(Prefilter) ?? "temporal");

    public StylizeRun.Budget Budget(ParseResult parse) => StylizeRun.Budget.From(parse.GetValue(Steps), parse.GetValue(Minutes), DefaultSteps);

    /// <summary>What the model file remembers of the input preparation, for `stylize apply`.</summary>
    public static Vivify.Torch.Checkpoints.PyDict Meta(PreFilter filter, IReadOnlyList<KeySpec> keys, GaussDisks? guide, TorchSharp.torch.Tensor?[] masks)
    {
        var meta = new Vivify.Torch.Checkpoints.PyDict
        {
            ["prefilter"] = filter.ToString().ToLowerInvariant(),
            ["keys"] = keys.Select(k => (object?)(long)k.Frame).ToList(),
        };
        if (guide is not null) meta["guide_masks"] = masks.Select(m => (object?)m).ToList();
        return meta;
    }
}
