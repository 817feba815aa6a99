using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>
/// A broken configuration given to the commands that read one: a single line naming the file, the line and the
/// key, exit 1, no .NET type names and nothing written (issue #18: a typo on line 19 was reported as "line 2",
/// `frame_shape: 64` printed a .NET type name, an unclosed '[' printed "Operation is not valid due to the current
/// state of the object").
/// </summary>
public sealed class ConfigErrorCommandTests
{
    private static void Fails(CliHarness h, string expected, params string[] args)
    {
        var before = h.Entries();
        var (code, _, err) = h.Run(args);
        Assert.True(code == 1, $"exit {code}: {err}");
        Assert.StartsWith($"vivify: {expected}", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("System.", err);
        Assert.DoesNotContain("Operation is not valid", err);
        Assert.Equal(before, h.Entries());
    }

    [Fact]
    public void AnimateStylizeAndHeadsNameTheFileLineAndKey()
    {
        using var h = new CliHarness();
        var good = TinyMotionModel.WriteConfig(h.PathOf("tiny.yaml"));
        var checkpoint = TinyMotionModel.WriteCheckpoint(h.PathOf("tiny.pth"), good);
        var picture = h.Picture("p.png", 64, 64);
        var driving = Directory.CreateDirectory(h.PathOf("driving")).FullName;
        File.Copy(picture, Path.Combine(driving, "00000.png"));
        File.Copy(picture, Path.Combine(driving, "00001.png"));
        var clip = h.ClipWithAudio("c.mp4", 4, 32, 24);
        var key = h.Picture("key.png", 32, 24);
        var lines = File.ReadAllLines(good);
        var typo = h.PathOf("typo.yaml");
        File.WriteAllLines(typo, lines.Select(l => l.Replace("num_bottleneck_blocks", "num_botleneck_blocks")));
        var typoLine = Array.FindIndex(lines, l => l.Contains("num_bottleneck_blocks")) + 1;
        var shape = h.PathOf("shape.yaml");
        File.WriteAllLines(shape, lines.Select(l => l.Contains("frame_shape") ? "  frame_shape: 64" : l));
        var open = h.PathOf("open.yaml");
        File.WriteAllLines(open, lines.Select(l => l.Contains("frame_shape") ? "  frame_shape: [64, 64, 3" : l));
        string[] Animate(string config) => ["animate", "-s", picture, "-d", driving, "--config", config, "-c", checkpoint, "-o", h.PathOf("out.mp4")];
        Fails(h, $"{typo}: line {typoLine}: model_params.generator_params.num_botleneck_blocks: unknown key (did you mean 'num_bottleneck_blocks'?)", Animate(typo));
        Fails(h, $"{shape}: line 2: dataset_params.frame_shape: expected a list such as [a, b, c] of whole numbers, not '64'", Animate(shape));
        Fails(h, $"{open}: line 2: the '[' opened here is never closed", Animate(open));

        var stylize = h.PathOf("stylize.yaml");
        File.WriteAllText(stylize, "trainer:\n  batch_size: 4\n  reconstruction_wieght: 4.0\n");
        Fails(h, $"{stylize}: line 3: trainer.reconstruction_wieght: unknown key (did you mean 'reconstruction_weight'?)",
            "stylize", "train", "--video", clip, "--key", $"0={key}", "--model", h.PathOf("m.pth"), "--steps", "1", "--config", stylize);

        var heads = h.PathOf("heads.yaml");
        File.WriteAllText(heads, "image_size: 32\nk_shot: two\n");
        Fails(h, $"{heads}: line 2: k_shot: expected a whole number, not 'two'",
            "heads", "meta-train", "--data", h.Dir, "--out", h.PathOf("run"), "--config", heads, "--steps", "1");
    }
}
