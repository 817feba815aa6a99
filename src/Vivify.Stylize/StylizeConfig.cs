using Vivify.Configuration;
using Vivify.Torch.Modules;
using YamlDotNet.Serialization.NamingConventions;

namespace Vivify.Stylize;

/// <summary>A published training configuration (`_config/reference_P.yaml`, `reference_F.yaml`), keys as published.</summary>
public sealed class StylizeConfig
{
    public Typed<GeneratorConfig> Generator { get; set; } = new() { Type = "GeneratorJ", Args = new() };
    public Typed<DiscriminatorConfig> Discriminator { get; set; } = new() { Type = "DiscriminatorN_IN", Args = new() };
    public PerceptionLossConfig PerceptionLoss { get; set; } = new();
    public TrainerConfig Trainer { get; set; } = new();
    public Typed<OptimizerConfig> OptGenerator { get; set; } = new() { Type = "Adam", Args = new() };
    public Typed<OptimizerConfig> OptDiscriminator { get; set; } = new() { Type = "Adam", Args = new() };
    public TrainingDatasetConfig TrainingDataset { get; set; } = new();

    private static readonly ConfigFileOptions Options = new()
    {
        KeyOf = UnderscoredNamingConvention.Instance.Apply,
        Fix = "configs/stylize-reference_P.yaml shows the expected keys",
        OwnKeys = ["job"],
    };

    /// <summary>
    /// Reads a configuration in the published layout through <see cref="ConfigFile"/>: unknown keys are errors. The
    /// published files repeat every section under <c>job</c> (which their train.py reads) through YAML aliases; Vivify
    /// reads the top-level sections, so a <c>job</c> whose sections differ from them is refused rather than ignored.
    /// </summary>
    public static StylizeConfig Parse(string yaml, string source = "configuration")
    {
        var file = ConfigFile.Parse(yaml, source, Options);
        var config = file.Bind<StylizeConfig>();
        StylizeConfigJob.Check(file);
        config.Validate(file);
        return config;
    }

    public static StylizeConfig Load(string path) => Parse(ConfigFile.ReadText(path, "configuration"), path);

    private void Validate(ConfigFile file)
    {
        if (Generator.Type != "GeneratorJ") throw file.Error("generator.type", $"'{Generator.Type}' is not supported: use GeneratorJ");
        if (Discriminator.Type != "DiscriminatorN_IN") throw file.Error("discriminator.type", $"'{Discriminator.Type}' is not supported: use DiscriminatorN_IN");
        if (PerceptionLoss.PerceptionModel.Type != "PerceptualVGG19") throw file.Error("perception_loss.perception_model.type", $"'{PerceptionLoss.PerceptionModel.Type}' is not supported: use PerceptualVGG19");
        if (Generator.Args.Filters.Count != 6) throw file.Error("generator.args.filters", $"expected 6 entries, not {Generator.Args.Filters.Count}");
        foreach (var (name, opt) in new[] { ("opt_generator", OptGenerator), ("opt_discriminator", OptDiscriminator) })
            if (opt.Type != "Adam") throw file.Error($"{name}.type", $"'{opt.Type}' is not supported: use Adam");
    }
}

public sealed class Typed<T> where T : new()
{
    public string Type { get; set; } = "";
    public T Args { get; set; } = new();
}

public sealed class GeneratorConfig
{
    public bool UseBias { get; set; }
    public bool Tanh { get; set; }
    public bool AppendSmoothers { get; set; }
    public int ResnetBlocks { get; set; } = 9;
    public List<int> Filters { get; set; } = [64, 128, 128, 128, 128, 64];
    public int InputChannels { get; set; } = 3;
}

public sealed class DiscriminatorConfig
{
    public int NumFilters { get; set; } = 64;
    public int NLayers { get; set; } = 3;
    public int InputChannels { get; set; } = 3;
}

public sealed class PerceptionLossConfig
{
    public double Weight { get; set; }
    public Typed<PerceptionModelArgs> PerceptionModel { get; set; } = new() { Type = "PerceptualVGG19" };
}

public sealed class PerceptionModelArgs
{
    public List<int> FeatureLayers { get; set; } = [0, 3, 5];
    public bool UseNormalization { get; set; } = true;
}

public sealed class TrainerConfig
{
    public int BatchSize { get; set; } = 40;
    public long Epochs { get; set; }
    public double ReconstructionWeight { get; set; } = 4.0;
    public double AdversarialWeight { get; set; } = 0.5;
    public bool UseImageLoss { get; set; } = true;
    public string ReconstructionCriterion { get; set; } = "L1Loss";
    public string AdversarialCriterion { get; set; } = "MSELoss";
}

public sealed class OptimizerConfig
{
    public double Lr { get; set; } = 1e-3;
    public List<double> Betas { get; set; } = [0.9, 0.999];
    public double WeightDecay { get; set; }
}

public sealed class TrainingDatasetConfig
{
    public string Type { get; set; } = "DatasetPatches_M";
    public string DirPre { get; set; } = "input_filtered";
    public string DirPost { get; set; } = "output";
    public string DirMask { get; set; } = "mask";
    public int PatchSize { get; set; } = 32;
    /// <summary>The folder of the first auxiliary guide (published: input_gdisko_gauss_r10_s10), or null for none.</summary>
    public string? DirX1 { get; set; }
}
