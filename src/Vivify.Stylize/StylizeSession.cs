using Vivify.Torch.Modules;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.Distributed;
using Vivify.Torch.Optim;
using Vivify.Torch.StateDicts;
using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Stylize;

/// <summary>
/// A training run: generator, discriminator, optional VGG19 perception network and their optimizers, the keyframes it
/// learns from (replaceable between steps, for live editing), by default a <see cref="GeneratorAverage"/> that
/// inference uses, and its model file: a torch.save zip holding {"generator" (the weights inference uses: the average
/// when there is one), "discriminator", "opt_generator", "opt_discriminator" (state dicts), "steps", "meta", "config" (the
/// training configuration as YAML, which a resumed run takes up), and with an average "generator_trained" (the trained
/// weights) and "average_updates"} that
/// <see cref="StylizeCheckpoints.LoadGenerator"/> and PyTorch read, and <see cref="Resume"/> continues.
/// </summary>
public sealed class StylizeSession : IDisposable
{
    private readonly StylizeTrainer _trainer;
    private PatchSampler? _sampler;
    private IReadOnlyList<Keyframe> _keyframes = [];
    private readonly int _seed;
    private readonly object _keyLock = new();
    private ICommunicator _comm = SingleProcess.Instance;
    private (int Start, int Count)? _shard;
    private RepaintFocus? _repainted; // a repaint changed pixels: what the next step starts (see RepaintFocus)
    private long? _boostFrom;  // the step the running boost started at

    /// <param name="average">Keep an average of the generator's weights for inference (<see cref="GeneratorAverage"/>); false is the published tool's behaviour.</param>
    /// <param name="dtype">The type the networks train in: float32, or float64 to check exactness.</param>
    public StylizeSession(StylizeConfig config, int inputChannels, Vgg19Features? vgg, int seed = 0, Device? device = null, bool average = true,
        ScalarType dtype = ScalarType.Float32)
    {
        Dtype = dtype;
        Device = device ?? CPU;
        Config = config;
        var least = 3 << config.Discriminator.Args.NLayers;
        if (config.TrainingDataset.PatchSize < least)
            throw new ConfigurationException(null, $"patch_size {config.TrainingDataset.PatchSize} is too small for a discriminator of {config.Discriminator.Args.NLayers} layers: use at least {least} in the configuration", key: "training_dataset.patch_size");
        config.Generator.Args.InputChannels = inputChannels;
        Generator = new GeneratorJ(config.Generator.Args);
        Discriminator = new DiscriminatorN_IN(config.Discriminator.Args);
        Perception = vgg is null ? null : new PerceptualVGG19(vgg, config.PerceptionLoss.PerceptionModel.Args.FeatureLayers, config.PerceptionLoss.PerceptionModel.Args.UseNormalization);
        if (Device.type != DeviceType.CPU || dtype != ScalarType.Float32)
        {
            Generator.to(Device, dtype);
            Discriminator.to(Device, dtype);
            Perception?.to(Device, dtype);
        }
        _trainer = new StylizeTrainer(Generator, Discriminator, Perception, config);
        _seed = seed;
        if (average)
        {
            var copy = new GeneratorJ(config.Generator.Args);
            if (Device.type != DeviceType.CPU || dtype != ScalarType.Float32) copy.to(Device, dtype);
            Average = new GeneratorAverage(Generator, copy);
        }
    }

    public StylizeConfig Config { get; }
    /// <summary>Where the networks run (keyframes stay on the CPU; patches and frames are moved per step).</summary>
    public Device Device { get; }
    public ScalarType Dtype { get; }
    public GeneratorJ Generator { get; }
    public DiscriminatorN_IN Discriminator { get; }
    public PerceptualVGG19? Perception { get; }
    public long Steps { get; private set; }

    /// <summary>The averaged generator, or null when the session trains as the published tool does.</summary>
    public GeneratorAverage? Average { get; }

    /// <summary>The generator inference uses: the average when there is one, else the trained generator.</summary>
    public GeneratorJ InferenceGenerator => Average?.Model ?? Generator;

    /// <summary>The trainer (its optimizers), for tests.</summary>
    internal StylizeTrainer Trainer => _trainer;

    private PyDict _meta = new();

    /// <summary>Extra values kept in the model file (e.g. how the inputs were prepared); strings, numbers and lists of them.</summary>
    public PyDict Meta
    {
        get { lock (_keyLock) return _meta; }
        set { lock (_keyLock) _meta = value; }
    }

    /// <summary>How training answers a replaced painting (live editing); null, the default, for none: uniform patches throughout.</summary>
    public RepaintFocus? RepaintFocus
    {
        get { lock (_keyLock) return _repaintFocus; }
        set { lock (_keyLock) _repaintFocus = value; }
    }

    private RepaintFocus? _repaintFocus;

    /// <summary>
    /// Sets (or replaces) the keyframes, and with <paramref name="meta"/> what the model file keeps about them; patches
    /// are drawn from them from the next step on (with a <see cref="RepaintFocus"/>, centred on what changed first).
    /// Thread-safe: another thread may call this while <see cref="Step"/> runs (live editing); a step that is drawing its
    /// patches finishes with the previous keyframes, which are then freed. Returns the indices (into
    /// <paramref name="keyframes"/>) of the keyframes whose painting or mask differs from the previous keyframe of the
    /// same input frame, or that are new (what the <see cref="RepaintFocus"/> centres on); null when that is not known:
    /// no <see cref="RepaintFocus"/>, the first keyframes, or none of them matching a previous one.
    /// </summary>
    public IReadOnlyList<int>? SetKeyframes(IReadOnlyList<Keyframe> keyframes, PyDict? meta = null)
    {
        foreach (var k in keyframes)
            if (k.Pre.shape[0] != Generator.InputChannels)
                throw new ModelMismatchException($"keyframe inputs have {k.Pre.shape[0]} channels but the model takes {Generator.InputChannels}: prepare them with the guide setting the model was trained with");
        lock (_keyLock)
        {
            _sampler = new PatchSampler(keyframes, Config.TrainingDataset.PatchSize, _seed + (int)Steps);
            var changed = _repaintFocus is { } focus && _keyframes.Count > 0 ? Focus(focus, _sampler, _keyframes, keyframes) : null;
            if (meta is not null) _meta = meta;
            // The session owns its keyframes: those it is handed replace (and free) the previous ones.
            var previous = _keyframes;
            _keyframes = keyframes;
            DisposeKeyframes(previous, keep: keyframes);
            return changed;
        }
    }

    /// <summary>Focuses <paramref name="sampler"/> on what changed; returns the indices of the changed keyframes (null: none matched).</summary>
    private List<int>? Focus(RepaintFocus focus, PatchSampler sampler, IReadOnlyList<Keyframe> previous, IReadOnlyList<Keyframe> next)
    {
        if (RepaintFocus.Changed(previous, next) is not { } changed) return null; // a new clip or guide: the sampler stays uniform
        try
        {
            sampler.Focus(changed, focus.Share, focus.Steps);
            var indices = Enumerable.Range(0, changed.Length).Where(i => changed[i] is not null).ToList();
            // The average, the generator's Adam and the boost answer it on the training thread, at the next step.
            if (indices.Count > 0) _repainted = focus;
            return indices;
        }
        finally
        {
            foreach (var c in changed) c?.Dispose();
        }
    }

    /// <summary>Whether keyframes are set (<see cref="Step"/> needs them).</summary>
    public bool HasKeyframes { get { lock (_keyLock) return _sampler is not null; } }

    private static void DisposeKeyframes(IReadOnlyList<Keyframe> keyframes, IReadOnlyList<Keyframe> keep)
    {
        var kept = new HashSet<Tensor>(keep.SelectMany(Tensors), ReferenceEqualityComparer.Instance);
        foreach (var t in keyframes.SelectMany(Tensors))
            if (!kept.Contains(t)) t.Dispose();
    }

    private static IEnumerable<Tensor> Tensors(Keyframe k) => k.Mask is null ? [k.Pre, k.Post] : [k.Pre, k.Post, k.Mask];

    /// <summary>
    /// Trains data-parallel over <paramref name="comm"/>'s ranks (under mpirun): trainer.batch_size is the global batch,
    /// drawn whole on every rank (the same patches for any number of ranks), of which each rank trains on its shard;
    /// the generator's batch norm is synchronised, gradients are averaged before every Adam step, and rank 0's networks
    /// and optimizer states are every rank's from here on. Only rank 0 writes the model file (<see cref="Save"/>).
    /// </summary>
    public void Distribute(ICommunicator comm)
    {
        if (comm.Size == 1) return;
        _shard = DataParallel.Shard(Config.Trainer.BatchSize, comm, "configuration: trainer.batch_size");
        _comm = comm;
        SynchronizedBatchNorm.Convert(Generator, comm);
        _trainer.Distribute(comm);
        DataParallel.Broadcast(Generator, comm);
        DataParallel.Broadcast(Discriminator, comm);
        if (Average is not null) DataParallel.Broadcast(Average.Model, comm);
        DataParallel.Broadcast(_trainer.GeneratorOptimizer, comm);
        if (_trainer.DiscriminatorOptimizer is { } d) DataParallel.Broadcast(d, comm);
    }

    /// <summary>Rank 0's <paramref name="value"/> on every rank (for decisions such as a time budget's end); the value itself alone.</summary>
    public bool Agreed(bool value) => DataParallel.Broadcast(value ? 1 : 0, _comm) != 0;

    /// <summary>One discriminator and one generator step on a batch of patches (data parallel: this rank's shard; the losses are the global batch's).</summary>
    public StepLosses Step()
    {
        using var scope = NewDisposeScope();
        Tensor pre, post, already;
        double boost;
        lock (_keyLock)
        {
            if (_sampler is null) throw new InvalidOperationException("SetKeyframes first");
            (pre, post, already) = _sampler.Sample(Config.Trainer.BatchSize);
            if (_repainted is { } repaint)
            {
                if (repaint.RestartAverage) Average?.Restart();
                if (repaint.ResetGeneratorOptimizer) _trainer.GeneratorOptimizer.ClearState();
                if (repaint.LearningRateBoost != 1 && repaint.BoostSteps > 0) _boostFrom = Steps;
                _repainted = null;
            }
            boost = _boostFrom is long from && _repaintFocus is { } f ? f.BoostAt(Steps - from) : 1;
            if (boost == 1) _boostFrom = null;
        }
        if (_shard is { } s) (pre, post, already) = (pre.narrow(0, s.Start, s.Count), post.narrow(0, s.Start, s.Count), already.narrow(0, s.Start, s.Count));
        StepLosses losses;
        using (_trainer.BoostGeneratorLearningRate(boost))
            losses = _trainer.Step(pre.to(Dtype, Device), post.to(Dtype, Device), already.to(Dtype, Device));
        Average?.Update();
        Steps++;
        if (_comm.Size == 1) return losses;
        var m = DataParallel.Mean(new Dictionary<string, double>
        {
            ["d"] = losses.Discriminator, ["img"] = losses.Image, ["per"] = losses.Perception, ["adv"] = losses.Adversarial, ["g"] = losses.GeneratorTotal,
        }, _comm);
        return new StepLosses(m["d"], m["img"], m["per"], m["adv"], m["g"]);
    }

    /// <summary>Stylizes model-space inputs [N,C,H,W] → [N,3,H,W] in [-1,1] (eval mode; training mode comes back at the next step).</summary>
    public Tensor Stylize(Tensor inputs)
    {
        using var y = FullFrame.Stylize(InferenceGenerator, inputs.to(Dtype, Device));
        return y.to(inputs.dtype, CPU);
    }

    /// <summary>Writes the model file atomically (data parallel: rank 0 does; the other ranks return).</summary>
    public void Save(string path)
    {
        if (_comm.Rank != 0) return;
        var root = new PyDict
        {
            ["generator"] = StateDict.ToPyDict(InferenceGenerator),
            ["discriminator"] = StateDict.ToPyDict(Discriminator),
            ["opt_generator"] = AdamStateDict.Save(_trainer.GeneratorOptimizer),
            ["opt_discriminator"] = AdamStateDict.Save(_trainer.DiscriminatorOptimizer!),
            ["steps"] = Steps,
            ["meta"] = Meta,
            ["config"] = StylizeConfigYaml.Write(Config),
        };
        if (Average is not null)
        {
            root["generator_trained"] = StateDict.ToPyDict(Generator);
            root["average_updates"] = Average.Updates;
        }
        TorchSave.Save(root, path);
    }

    /// <summary>The training configuration a model file keeps (null for files written before it was kept, and published models).</summary>
    public static StylizeConfig? StoredConfig(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, $"{path}: model file not found: give the path of a trained model");
        return CheckpointIO.Load(path, TorchLoadOptions.PickledModules(StylizeCheckpoints.PublishedClasses)) is PyDict root
               && root.TryGetValue("config", out var c) && c is string yaml
            ? StylizeConfig.Parse(yaml, $"{path} (its configuration)")
            : null;
    }

    /// <summary>Loads a model file written by <see cref="Save"/> to continue training it.</summary>
    public static StylizeSession Resume(string path, StylizeConfig config, Vgg19Features? vgg, int seed = 0, Device? device = null, bool average = true,
        ScalarType dtype = ScalarType.Float32)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, $"{path}: model file not found: start a new model");
        if (CheckpointIO.Load(path) is not PyDict root || !root.ContainsKey("discriminator") || root["generator"] is not PyDict g)
            throw new ModelMismatchException($"{path}: not a Vivify training file (a published model holds no discriminator or optimizer state), so training cannot continue from it: start a new model", path);
        var inferred = StylizeCheckpoints.InferGeneratorConfig(g, path);
        config.Generator.Args = inferred;
        var session = new StylizeSession(config, inferred.InputChannels, vgg, seed, device, average, dtype);
        // "generator" holds the average when the file has one; the trained weights are then under "generator_trained".
        var trained = root.TryGetValue("generator_trained", out var t) && t is PyDict raw ? raw : g;
        StateDict.Load(session.Generator, trained, strict: true, source: path);
        StateDict.Load(session.Discriminator, (PyDict)root["discriminator"]!, strict: true, source: path);
        AdamStateDict.Load(session._trainer.GeneratorOptimizer, (PyDict)root["opt_generator"]!, path);
        AdamStateDict.Load(session._trainer.DiscriminatorOptimizer!, (PyDict)root["opt_discriminator"]!, path);
        session.Steps = root.TryGetValue("steps", out var s) && s is long n ? n : 0;
        if (session.Average is not null)
            session.Average.Restore(g, root.TryGetValue("average_updates", out var u) && u is long updates && !ReferenceEquals(trained, g) ? updates : 0, path);
        if (root.TryGetValue("meta", out var m) && m is PyDict meta) session.Meta = meta;
        return session;
    }

    public void Dispose()
    {
        _trainer.Dispose();
        lock (_keyLock)
        {
            DisposeKeyframes(_keyframes, keep: []);
            _keyframes = [];
            _sampler = null;
        }
        Average?.Dispose();
        Generator.Dispose();
        Discriminator.Dispose();
        Perception?.Dispose();
    }
}
