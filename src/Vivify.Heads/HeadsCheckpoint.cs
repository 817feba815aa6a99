using System.Globalization;
using System.Reflection;
using System.Text;
using TorchSharp;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.Modules;
using Vivify.Torch.Optim;
using Vivify.Torch.StateDicts;
using YamlDotNet.Serialization.NamingConventions;
using static TorchSharp.torch;

namespace Vivify.Heads;

/// <summary>
/// The three networks of a talking-head model with the configuration that sized them; a new model's spectral-norm
/// vectors are settled (<see cref="SpectralNorm.Settle"/>) so that it draws sensible frames in eval mode from the start.
/// </summary>
public sealed class HeadsModel : IDisposable
{
    public HeadsModel(HeadsConfig config, long numVideos, IReadOnlyList<string>? videoIds = null)
    {
        if (numVideos < 1) throw new ArgumentOutOfRangeException(nameof(numVideos), "a model needs at least one video row in W");
        if (videoIds is not null && videoIds.Count != numVideos)
            throw new ArgumentException($"{videoIds.Count} video ids for {numVideos} rows of W", nameof(videoIds));
        Config = config;
        NumVideos = numVideos;
        Embedder = new Embedder(config);
        Generator = new Generator(config);
        Discriminator = new Discriminator(config, numVideos);
        foreach (var network in new nn.Module[] { Embedder, Generator, Discriminator }) SpectralNorm.Settle(network);
        VideoIds = videoIds ?? [];
    }

    public HeadsConfig Config { get; }

    /// <summary>Rows of the discriminator's W: one per training video.</summary>
    public long NumVideos { get; }
    public Embedder Embedder { get; }
    public Generator Generator { get; }
    public Discriminator Discriminator { get; }

    /// <summary>The training videos in the order of W's rows (empty when unknown).</summary>
    public IReadOnlyList<string> VideoIds { get; }

    /// <summary>Meta-learning steps taken so far.</summary>
    public long Step { get; set; }

    public void Dispose()
    {
        Embedder.Dispose();
        Generator.Dispose();
        Discriminator.Dispose();
    }
}

/// <summary>
/// A talking-head model file in torch's zip format (torch.load reads it): <c>config</c> (the YAML text of
/// <see cref="HeadsConfig"/>), <c>num_videos</c>, <c>video_ids</c> (list of strings), <c>embedder</c>,
/// <c>generator</c>, <c>discriminator</c> (state dicts with PyTorch key names), <c>step</c>, and, when saved
/// with a <see cref="MetaLearner"/>, <c>optimizer_eg</c> and <c>optimizer_d</c> (PyTorch Adam state dicts).
/// Written atomically.
/// </summary>
public static class HeadsCheckpoint
{
    /// <summary>The file a meta-training run keeps its latest state in: RUN_DIR/checkpoint.pth.</summary>
    public const string FileName = "checkpoint.pth";

    public static void Save(string path, HeadsModel model, MetaLearner? learner = null)
    {
        var cpk = new PyDict
        {
            { "config", ConfigYaml(model.Config) },
            { "num_videos", model.NumVideos },
            { "video_ids", model.VideoIds.Cast<object?>().ToList() },
            { "embedder", StateDict.ToPyDict(model.Embedder) },
            { "generator", StateDict.ToPyDict(model.Generator) },
            { "discriminator", StateDict.ToPyDict(model.Discriminator) },
            { "step", model.Step },
        };
        if (learner is not null)
        {
            cpk.Add("optimizer_eg", AdamStateDict.Save(learner.OptimizerEG));
            cpk.Add("optimizer_d", AdamStateDict.Save(learner.OptimizerD));
        }
        TorchSave.Save(cpk, path);
    }

    /// <summary>Reads a model file; <paramref name="raw"/> keeps the optimizer states for <see cref="LoadOptimizers"/>.</summary>
    public static HeadsModel Load(string path, out PyDict raw)
    {
        if (!File.Exists(path))
            throw new InvalidInputException(path, $"{path}: no such talking-head model; pass RUN_DIR/{FileName} of a `vivify heads meta-train` run");
        var loaded = CheckpointIO.Load(path);
        if (loaded is not PyDict dict || !dict.TryGetValue("config", out var yaml) || yaml is not string text)
            throw new ModelMismatchException($"{path}: not a talking-head model (no 'config' entry); pass a file written by `vivify heads meta-train`", path);
        var config = HeadsConfig.Parse(text, path + " (config)");
        var numVideos = dict.TryGetValue("num_videos", out var n) && n is long rows ? rows
            : throw new ModelMismatchException($"{path}: the model has no integer 'num_videos'; pass a file written by `vivify heads meta-train`", path);
        List<string>? ids = dict.TryGetValue("video_ids", out var v) && v is List<object?> list && list.Count > 0
            ? list.Select(o => o as string ?? throw new ModelMismatchException($"{path}: 'video_ids' holds a {o?.GetType().Name ?? "None"}, not a string", path)).ToList()
            : null;
        var model = new HeadsModel(config, numVideos, ids);
        try
        {
            Load(model.Embedder, dict, "embedder", path);
            Load(model.Generator, dict, "generator", path);
            Load(model.Discriminator, dict, "discriminator", path);
            model.Step = dict.TryGetValue("step", out var s) && s is long step ? step : 0;
        }
        catch
        {
            model.Dispose();
            throw;
        }
        raw = dict;
        return model;
    }

    public static HeadsModel Load(string path) => Load(path, out _);

    /// <summary>Restores the Adam states saved with the model; false when the file has none.</summary>
    public static bool LoadOptimizers(PyDict raw, MetaLearner learner, string path)
    {
        if (!raw.TryGetValue("optimizer_eg", out var eg) || eg is not PyDict egState ||
            !raw.TryGetValue("optimizer_d", out var d) || d is not PyDict dState)
            return false;
        AdamStateDict.Load(learner.OptimizerEG, egState, path);
        AdamStateDict.Load(learner.OptimizerD, dState, path);
        return true;
    }

    private static void Load(TorchSharp.torch.nn.Module module, PyDict dict, string section, string path)
    {
        if (!dict.TryGetValue(section, out var value) || value is not PyDict state)
            throw new ModelMismatchException($"{path}: the talking-head model has no '{section}' state dict; pass a file written by `vivify heads meta-train`", path);
        StateDict.Load(module, state, strict: true, source: $"{path} ({section})");
    }

    /// <summary>The configuration as YAML that <see cref="HeadsConfig.Parse"/> reads back to an equal record.</summary>
    public static string ConfigYaml(HeadsConfig config)
    {
        var sb = new StringBuilder();
        foreach (var p in typeof(HeadsConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.SetMethod is null || p.GetIndexParameters().Length > 0) continue; // computed properties are not keys
            var value = p.GetValue(config);
            var text = value switch
            {
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                float f => f.ToString("R", CultureInfo.InvariantCulture),
                bool b => b ? "true" : "false",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value?.ToString() ?? "",
            };
            sb.Append(UnderscoredNamingConvention.Instance.Apply(p.Name)).Append(": ").Append(text).Append('\n');
        }
        return sb.ToString();
    }
}
