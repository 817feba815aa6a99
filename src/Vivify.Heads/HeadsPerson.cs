using Vivify.Torch.Checkpoints;
using Vivify.Torch.StateDicts;
using static TorchSharp.torch;

namespace Vivify.Heads;

/// <summary>
/// A fine-tuned talking head of one person: the generator G (ψ; P is kept in the state dict but unused) with
/// its AdaIN coefficients ψ' [1, PsiLength], optionally the fine-tuned discriminator with w' [1,N], the
/// person's mean 68 landmarks [68,2] in the pixels of the model's frames (the target shape for retargeting),
/// optionally the mean face descriptor [128] (face-api's FaceRecognitionNet, to tell whether a driving video
/// shows the same person) and metadata.
/// </summary>
public sealed class HeadsPerson : IDisposable
{
    public HeadsPerson(HeadsConfig config, Generator generator, Tensor psi, Tensor meanLandmarks)
    {
        if (psi.dim() != 2 || psi.shape[0] != 1 || psi.shape[1] != generator.PsiLength)
            throw new ArgumentException($"person: psi must be [1,{generator.PsiLength}], got {Embedder.Shape(psi)}");
        if (meanLandmarks.dim() != 2 || meanLandmarks.shape[0] != 68 || meanLandmarks.shape[1] != 2)
            throw new ArgumentException($"person: mean landmarks must be [68,2], got {Embedder.Shape(meanLandmarks)}");
        Config = config;
        Generator = generator;
        Psi = psi;
        MeanLandmarks = meanLandmarks;
    }

    public HeadsConfig Config { get; }
    public Generator Generator { get; }
    public Tensor Psi { get; }
    public Tensor MeanLandmarks { get; }
    public Discriminator? Discriminator { get; init; }
    public Tensor? WPrime { get; init; }
    public Tensor? FaceDescriptor { get; init; }

    /// <summary>Free-form facts (shots, steps, photos, source model, …): string, long, double or bool values.</summary>
    public Dictionary<string, object?> Metadata { get; init; } = [];

    /// <summary>The frame G draws for landmark image <paramref name="y"/> [B,3,H,W] (eval mode, no gradients).</summary>
    public Tensor Render(Tensor y)
    {
        using var noGrad = no_grad();
        Generator.eval();
        return Generator.Synthesize(y, Psi);
    }

    public void Dispose()
    {
        Generator.Dispose();
        Psi.Dispose();
        MeanLandmarks.Dispose();
        Discriminator?.Dispose();
        WPrime?.Dispose();
        FaceDescriptor?.Dispose();
    }
}

/// <summary>
/// The person file PERSON.vhead in torch's zip format (torch.load reads it): <c>format</c> ("vivify-heads-person"),
/// <c>version</c> (1), <c>config</c> (the YAML of <see cref="HeadsConfig"/>), <c>generator</c> (state dict),
/// <c>psi</c>, <c>mean_landmarks</c>, optionally <c>num_videos</c>, <c>discriminator</c>, <c>w_prime</c> and
/// <c>face_descriptor</c>, and <c>metadata</c> (a dict). Written atomically.
/// </summary>
public static class HeadsPersonFile
{
    public const string Format = "vivify-heads-person";
    public const string Extension = ".vhead";

    public static void Save(string path, HeadsPerson person)
    {
        var dict = new PyDict
        {
            { "format", Format },
            { "version", 1L },
            { "config", HeadsCheckpoint.ConfigYaml(person.Config) },
            { "generator", StateDict.ToPyDict(person.Generator) },
            { "psi", person.Psi.detach().cpu() },
            { "mean_landmarks", person.MeanLandmarks.detach().cpu() },
        };
        if (person.Discriminator is not null && person.WPrime is not null)
        {
            dict.Add("num_videos", person.Discriminator.W.weight!.shape[0]);
            dict.Add("discriminator", StateDict.ToPyDict(person.Discriminator));
            dict.Add("w_prime", person.WPrime.detach().cpu());
        }
        if (person.FaceDescriptor is not null) dict.Add("face_descriptor", person.FaceDescriptor.detach().cpu());
        var meta = new PyDict();
        foreach (var (k, v) in person.Metadata) meta.Add(k, v);
        dict.Add("metadata", meta);
        TorchSave.Save(dict, path);
    }

    public static HeadsPerson Load(string path)
    {
        if (!File.Exists(path))
            throw new InvalidInputException(path, $"{path}: no such person file; make one by fine-tuning a model on photos of the person (vivify heads fine-tune)");
        object? loaded;
        try { loaded = CheckpointIO.Load(path); }
        catch (Exception e) when (e is (CheckpointFormatException or VivifyException) and not CheckpointStructureException) { throw new InvalidInputException(path, $"{path}: not a person file (not a torch zip); pass a PERSON{Extension} written by `vivify heads fine-tune`"); }
        if (loaded is not PyDict dict || !dict.TryGetValue("format", out var f) || f as string != Format)
            throw new InvalidInputException(path, $"{path}: not a person file (no format '{Format}'); pass a PERSON{Extension} written by `vivify heads fine-tune`");
        string Fail(string what) => throw new InvalidInputException(path, $"{path}: the person file {what}; write it again with `vivify heads fine-tune`");
        var yaml = dict.TryGetValue("config", out var c) && c is string s ? s : Fail("has no 'config'");
        var config = HeadsConfig.Parse(yaml, path + " (config)");
        Tensor Get(string key) => dict.TryGetValue(key, out var t) && t is Tensor tt ? tt : throw new InvalidInputException(path, $"{path}: the person file has no '{key}' tensor; write it again with `vivify heads fine-tune`");
        if (!dict.TryGetValue("generator", out var gs) || gs is not PyDict gState) { Fail("has no 'generator' state dict"); return null!; }
        var generator = new Generator(config);
        Discriminator? discriminator = null;
        try
        {
            StateDict.Load(generator, gState, strict: true, source: $"{path} (generator)");
            var psi = Get("psi").to(float32);
            var mean = Get("mean_landmarks").to(float32);
            if (psi.dim() != 2 || psi.shape[0] != 1 || psi.shape[1] != generator.PsiLength)
                Fail($"holds psi {Embedder.Shape(psi)} where the generator takes [1,{generator.PsiLength}]");
            if (mean.dim() != 2 || mean.shape[0] != 68 || mean.shape[1] != 2) Fail($"holds mean landmarks {Embedder.Shape(mean)}, not [68,2]");
            Tensor? wPrime = null;
            if (dict.TryGetValue("discriminator", out var ds) && ds is PyDict dState && dict.TryGetValue("num_videos", out var n) && n is long rows)
            {
                discriminator = new Discriminator(config, rows);
                StateDict.Load(discriminator, dState, strict: true, source: $"{path} (discriminator)");
                wPrime = Get("w_prime").to(float32);
            }
            var meta = new Dictionary<string, object?>();
            if (dict.TryGetValue("metadata", out var m) && m is PyDict md)
                foreach (var (k, v) in md) meta[k.ToString()!] = v;
            return new HeadsPerson(config, generator, psi, mean)
            {
                Discriminator = discriminator,
                WPrime = wPrime,
                FaceDescriptor = dict.TryGetValue("face_descriptor", out var fd) && fd is Tensor desc ? desc.to(float32) : null,
                Metadata = meta,
            };
        }
        catch
        {
            generator.Dispose();
            discriminator?.Dispose();
            throw;
        }
    }
}
