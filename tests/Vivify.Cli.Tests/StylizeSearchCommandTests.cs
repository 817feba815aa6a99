using System.CommandLine;
using Vivify.Cli.Commands;
using Vivify.Media;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Cli.Tests;

/// <summary>`stylize search`, registered under a root built here (Cli.Build wires it in once the stylize commands merge).</summary>
public sealed class StylizeSearchCommandTests : IDisposable
{
    private readonly CliHarness _h = new();

    private const string TinyYaml = """
        generator: {type: GeneratorJ, args: {use_bias: true, tanh: true, append_smoothers: true, resnet_blocks: 1, filters: [8, 8, 8, 8, 8, 8]}}
        discriminator: {type: DiscriminatorN_IN, args: {num_filters: 4, n_layers: 2}}
        perception_loss: {weight: 6.0}
        trainer: {batch_size: 8, reconstruction_weight: 4.0, adversarial_weight: 0.5}
        """;

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var root = new RootCommand("test root");
        foreach (var o in new Option[] { Cli.Threads, Cli.Device, Cli.Seed, Cli.Quiet, Cli.Verbose }) root.Options.Add(o);
        var stylize = new Command("stylize", "stylization");
        stylize.Subcommands.Add(StylizeSearchCommand.Create());
        root.Subcommands.Add(stylize);
        var o1 = new StringWriter();
        var e1 = new StringWriter();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0) return (2, "", string.Join("\n", parse.Errors.Select(e => e.Message)));
        try
        {
            var code = parse.Invoke(new InvocationConfiguration { Output = o1, Error = e1, EnableDefaultExceptionHandler = false });
            return (code, o1.ToString(), e1.ToString());
        }
        catch (UsageException e) { return (2, o1.ToString(), e.Message); }
        catch (VivifyException e) { return (e.ExitCode, o1.ToString(), e.Message); }
    }

    /// <summary>A clip and "paintings" of frames 0 and 4 (the decoded frame with channels rotated and inverted).</summary>
    private (string Clip, string Key, string Hold) Data()
    {
        var clip = _h.ClipWithAudio("clip.mp4", 6, 48, 40);
        var src = VideoSource.Open(clip);
        string Paint(long n)
        {
            using var scope = NewDisposeScope();
            var f = src.ReadFrame(n).ToTensor();
            var path = _h.PathOf($"painted{n}.png");
            ImageIO.Write(path, stack([1 - f[2], 1 - f[0], f[1]]));
            return path;
        }
        return (clip, Paint(0), Paint(4));
    }

    [Fact]
    public void SearchPrintsATableOfEverySettingAndTheBest()
    {
        var (clip, key, hold) = Data();
        File.WriteAllText(_h.PathOf("tiny.yaml"), TinyYaml);
        var best = _h.PathOf("best.yaml");
        var (code, output, err) = Run("stylize", "search", "--video", clip, "--key", $"0={key}", "--holdout", $"4={hold}",
            "--seconds", "1", "--patch-sizes", "12,16", "--batch-sizes", "4", "--learning-rates", "0.004", "--resnet-blocks", "0,1",
            "--config", _h.PathOf("tiny.yaml"), "--best-config", best, "--seed", "3");
        Assert.True(code == 0, err + output);
        Assert.Contains("PSNR dB", output);
        Assert.Contains("best: patch ", output);
        // One table row per setting: 2 patch sizes × 2 block counts.
        var rows = output.Split('\n').Where(l => l.Contains("0.004") && !l.StartsWith("best", StringComparison.Ordinal)).ToList();
        Assert.True(rows.Count == 4, output);
        Assert.Contains("perceptual term: off", output);
        var saved = Stylize.StylizeConfig.Load(best);
        Assert.Equal(8, saved.Generator.Args.Filters[0]);
        Assert.Contains(saved.TrainingDataset.PatchSize, new[] { 12, 16 });
        Assert.Equal(4, saved.Trainer.BatchSize);
    }

    [Fact]
    public void BadInputsAreOneLineUsageErrors()
    {
        var (clip, key, hold) = Data();
        var (code, _, err) = Run("stylize", "search", "--video", clip, "--key", $"x{key}", "--holdout", $"4={hold}");
        Assert.Equal(2, code);
        Assert.Contains("N=PAINTED", err);
        (code, _, err) = Run("stylize", "search", "--video", clip, "--key", $"0={key}", "--holdout", $"4={hold}", "--patch-sizes", "16,a");
        Assert.Equal(2, code);
        Assert.Contains("--patch-sizes", err);
        (code, _, err) = Run("stylize", "search", "--video", clip, "--key", $"99={key}", "--holdout", $"4={hold}");
        Assert.Equal(2, code);
        Assert.Contains("6 frames", err);
    }

    public void Dispose() => _h.Dispose();
}
