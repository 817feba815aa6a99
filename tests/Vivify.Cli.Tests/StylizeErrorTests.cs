using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>Bad stylize inputs: one line naming the file and the fix, exit 1 (or 2 for usage), nothing written.</summary>
public sealed class StylizeErrorTests
{
    private static void Fails(CliHarness h, int expectedCode, string mustContain, params string[] args)
    {
        var before = h.Entries();
        var (code, _, e) = h.Run(args);
        Assert.True(expectedCode == code, $"exit {code}, stderr: {e}");
        Assert.Contains(mustContain, e);
        Assert.StartsWith("vivify: ", e);
        Assert.Single(e.Trim().Split('\n'), l => !l.Contains("run 'vivify --help'"));
        CliHarness.NamesOnlyItsOptions(args, e);
        Assert.Equal(before, h.Entries());
    }

    [Fact]
    public void BadVideoKeyframesAndMasks()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("clip.mp4", 6, 32, 24);
        var good = h.Picture("good.png", 32, 24);
        var small = h.Picture("small.png", 20, 10);
        var black = h.PathOf("black.png");
        Vivify.Media.ImageIO.Write(black, TorchSharp.torch.zeros(3, 24, 32));
        string[] Run(params string[] extra) => ["stylize", "--steps", "1", "-o", h.PathOf("out.mp4"), .. extra];

        Fails(h, 1, $"{h.PathOf("nope.mp4")}: no such", Run("--video", h.PathOf("nope.mp4"), "--key", $"0={good}"));
        Fails(h, 1, $"{h.PathOf("nokey.png")}: keyframe 0 not found", Run("--video", clip, "--key", $"0={h.PathOf("nokey.png")}"));
        Fails(h, 1, "keyframe 2 is 20×10 but the video is 32×24", Run("--video", clip, "--key", $"2={small}"));
        Fails(h, 1, "frame 6 is out of range", Run("--video", clip, "--key", $"6={good}"));
        Fails(h, 1, "mask for frame 0 marks no area", Run("--video", clip, "--key", $"0={good}", "--mask", $"0={black}"));
        Fails(h, 1, "mask for frame 0 is 20×10", Run("--video", clip, "--key", $"0={good}", "--mask", $"0={small}"));
        Fails(h, 2, "is not FRAME=FILE", Run("--video", clip, "--key", good));
        Fails(h, 2, "give at least one painted keyframe", Run("--video", clip));
        Fails(h, 1, "model file not found", "stylize", "apply", "--model", h.PathOf("none.pth"), "--input", clip, "-o", h.PathOf("o.mp4"));
    }

    /// <summary>Interrupted while training, the whole job keeps the steps taken in --model (saved atomically) and says so; the video is not written.</summary>
    [Fact]
    public async Task InterruptedTrainingKeepsTheModelAndWritesNoVideo()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("clip.mp4", 6, 32, 24);
        var good = h.Picture("good.png", 32, 24);
        var before = h.Entries();
        using var run = new BackgroundRun("stylize", "--video", clip, "--key", $"0={good}", "--steps", "100000", "-o", h.PathOf("out.mp4"), "--model", h.PathOf("m.pth"));
        // Interrupt once training is under way: the plain-text progress prints its first "train:" line after 5 s of steps.
        await run.WaitFor("train: ");
        var code = await run.Interrupt();
        var e = run.Log();
        Assert.True(code == 130, e);
        Assert.Contains($"the model is saved in {h.PathOf("m.pth")}", e);
        Assert.Contains("vivify: interrupted; unfinished outputs were removed.", e);
        Assert.DoesNotContain("--resume", e); // the whole job has none
        Assert.Equal([.. before, "m.pth"], h.Entries());
        using var g = Vivify.Stylize.StylizeCheckpoints.LoadGenerator(h.PathOf("m.pth"));
    }
}
