using Vivify.Media;
using Vivify.Torch.Modules;
using System.Globalization;
using static TorchSharp.torch;

namespace Vivify.Stylize;

/// <summary>One point of the hyperparameter grid.</summary>
public sealed record SearchSetting(int PatchSize, int BatchSize, double LearningRate, int ResnetBlocks)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"patch {PatchSize}, batch {BatchSize}, lr {LearningRate:G}, {ResnetBlocks} blocks");
}

/// <summary>A trained setting: steps done in its time, seconds spent, and its held-out scores.</summary>
public sealed record SearchResult(SearchSetting Setting, long Steps, double Seconds, double Psnr, double Ssim);

/// <summary>
/// The grid (Texler et al. 2020, §"hyper-parameter optimisation": patch size, batch size, learning rate and number of
/// residual blocks, each setting trained for the same time). The paper's exact grid values are not reproduced here;
/// the defaults span the published reference_P setting (patch 32, batch 40, lr 0.0004, 7 blocks) by a factor of two
/// either way, and the other published choice for blocks (3).
/// </summary>
public sealed class SearchGrid
{
    public IReadOnlyList<int> PatchSizes { get; init; } = [16, 32, 64];
    public IReadOnlyList<int> BatchSizes { get; init; } = [20, 40];
    public IReadOnlyList<double> LearningRates { get; init; } = [0.0002, 0.0004, 0.0008];
    public IReadOnlyList<int> ResnetBlocks { get; init; } = [3, 7];

    /// <summary>All combinations, patch size varying slowest.</summary>
    public IReadOnlyList<SearchSetting> Settings()
    {
        if (PatchSizes.Count == 0 || BatchSizes.Count == 0 || LearningRates.Count == 0 || ResnetBlocks.Count == 0)
            throw new ArgumentException("every grid dimension needs at least one value");
        foreach (var p in PatchSizes) if (p < 2) throw new ArgumentException($"patch size {p} is too small: use at least 2");
        foreach (var b in BatchSizes) if (b < 1) throw new ArgumentException($"batch size {b} is too small: use at least 1");
        foreach (var l in LearningRates) if (!(l > 0)) throw new ArgumentException($"learning rate {l} must be positive");
        foreach (var r in ResnetBlocks) if (r < 0) throw new ArgumentException($"residual block count {r} must be 0 or more");
        return (from p in PatchSizes
                from b in BatchSizes
                from l in LearningRates
                from r in ResnetBlocks
                select new SearchSetting(p, b, l, r)).ToList();
    }
}

/// <summary>
/// The paper's grid search: each setting trains from the same seed for the same wall time on the painted keyframes,
/// then stylizes a held-out frame whose painting is known and is scored by PSNR and SSIM (<see cref="ImageMetrics"/>)
/// after 8-bit conversion. The best setting has the highest PSNR (SSIM breaks ties). A step budget instead of (or
/// besides) the wall time makes a search repeatable whatever the machine's load: <c>stepsPerSetting</c>, with
/// <see cref="double.PositiveInfinity"/> seconds for steps alone.
/// </summary>
public static class StylizeSearch
{
    public static IReadOnlyList<SearchResult> Run(StylizeConfig baseConfig, IReadOnlyList<Keyframe> keyframes, Tensor holdoutPre,
        Tensor holdoutPainted, SearchGrid grid, double secondsPerSetting, PerceptualVGG19? perception = null, long seed = 0,
        Action<SearchSetting>? onStart = null, Action<SearchResult>? onResult = null, CancellationToken cancel = default,
        long? stepsPerSetting = null)
    {
        if (!(secondsPerSetting > 0)) throw new ArgumentException("seconds per setting must be positive");
        if (stepsPerSetting < 1) throw new ArgumentException("steps per setting must be at least 1");
        if (keyframes.Count == 0) throw new ArgumentException("the search needs at least one painted keyframe");
        var channels = (int)keyframes[0].Pre.shape[0];
        if (holdoutPre.dim() != 3 || holdoutPre.shape[0] != channels)
            throw new ArgumentException($"held-out frame must be [{channels},H,W] like the keyframes, got [{string.Join(",", holdoutPre.shape)}]");
        if (!holdoutPainted.shape.SequenceEqual(new[] { 3, holdoutPre.shape[1], holdoutPre.shape[2] }))
            throw new ArgumentException($"held-out painting is {holdoutPainted.shape[^1]}×{holdoutPainted.shape[^2]} but its frame is {holdoutPre.shape[2]}×{holdoutPre.shape[1]}: paint over a frame of the same size");
        var settings = grid.Settings();
        var minPatch = MinPatchSize(baseConfig.Discriminator.Args);
        foreach (var p in settings.Select(x => x.PatchSize).Distinct())
            if (p < minPatch)
                throw new ArgumentException($"patch size {p} is smaller than the discriminator's smallest input ({minPatch} for {baseConfig.Discriminator.Args.NLayers} layers): use patch sizes of at least {minPatch}");
        var results = new List<SearchResult>();
        foreach (var setting in settings)
        {
            cancel.ThrowIfCancellationRequested();
            onStart?.Invoke(setting);
            var result = Evaluate(ConfigFor(baseConfig, setting), setting, keyframes, holdoutPre, holdoutPainted, secondsPerSetting,
                perception, seed, cancel, steps: stepsPerSetting);
            results.Add(result);
            onResult?.Invoke(result);
        }
        return results;
    }

    /// <summary>
    /// Trains one setting for <paramref name="seconds"/> or <paramref name="steps"/> steps, whichever comes first, and
    /// scores it on the held-out frame.
    /// </summary>
    public static SearchResult Evaluate(StylizeConfig config, SearchSetting setting, IReadOnlyList<Keyframe> keyframes, Tensor holdoutPre,
        Tensor holdoutPainted, double seconds, PerceptualVGG19? perception = null, long seed = 0, CancellationToken cancel = default,
        bool average = true, long? steps = null)
    {
        manual_seed(seed);
        var (g, d) = TimedTraining.BuildModels(config, (int)keyframes[0].Pre.shape[0]);
        using var generator = g;
        using var discriminator = d;
        // Scored as the stylization commands render: with the weight average unless average is false.
        using var mean = average ? new GeneratorAverage(generator, new GeneratorJ(config.Generator.Args)) : null;
        using var trainer = new StylizeTrainer(generator, discriminator, perception, config);
        var sampler = new PatchSampler(keyframes, setting.PatchSize, seed: (int)seed);
        var (done, spent) = TimedTraining.Train(trainer, sampler, setting.BatchSize, seconds, cancel, mean is null ? null : mean.Update, steps);
        var (psnr, ssim) = TimedTraining.Score(mean?.Model ?? generator, holdoutPre, holdoutPainted);
        return new SearchResult(setting, done, spent, psnr, ssim);
    }

    /// <summary>The smallest patch DiscriminatorN_IN accepts: 4×4 convolutions, stride 2 then two of stride 1, padding 1.</summary>
    public static int MinPatchSize(DiscriminatorConfig d)
    {
        for (var p = 2; ; p++)
        {
            var s = p;
            for (var l = 0; l < d.NLayers; l++) s = (s + 2 - 4) / 2 + 1;
            if (s >= 1 && s - 1 >= 1 && s - 2 >= 1) return p;
        }
    }

    /// <summary>The best result: highest PSNR, then highest SSIM.</summary>
    public static SearchResult Best(IEnumerable<SearchResult> results) =>
        results.OrderByDescending(r => r.Psnr).ThenByDescending(r => r.Ssim).FirstOrDefault()
        ?? throw new ArgumentException("no setting was evaluated", nameof(results));

    /// <summary>A copy of <paramref name="baseConfig"/> with the setting's patch size, batch size, learning rate (both optimizers) and blocks.</summary>
    public static StylizeConfig ConfigFor(StylizeConfig baseConfig, SearchSetting setting)
    {
        var c = StylizeConfigYaml.Copy(baseConfig, "search configuration");
        c.TrainingDataset.PatchSize = setting.PatchSize;
        c.Trainer.BatchSize = setting.BatchSize;
        c.OptGenerator.Args.Lr = setting.LearningRate;
        c.OptDiscriminator.Args.Lr = setting.LearningRate;
        c.Generator.Args.ResnetBlocks = setting.ResnetBlocks;
        return c;
    }
}
