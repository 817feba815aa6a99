using Vivify.Stylize;
using Vivify.Torch.Checkpoints;
using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>
/// Training never loses finished work: stylize train refuses to replace a model unasked, keeps the steps taken when
/// interrupted, and a resumed model keeps the configuration it was trained with.
/// </summary>
public sealed class TrainingSafetyTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static long Steps(string model) => (long)((PyDict)TorchFile.Load(model)!)["steps"]!;

    [Fact]
    public void AnExistingModelIsReplacedOnlyWithOverwrite()
    {
        var (clip, painted, config) = StylizeCommandTests.Setup(_h);
        string[] Train(params string[] extra) =>
            ["stylize", "train", "--video", clip, "--key", $"3={painted}", "--model", _h.PathOf("m.pth"), "--config", config, .. extra];
        var missing = _h.Run(Train("--steps", "1", "--resume"));
        Assert.Equal(1, missing.Code);
        Assert.Contains("m.pth: model file not found; drop --resume", missing.Err);
        Assert.Equal(0, _h.Run(Train("--steps", "3")).Code);
        var before = File.ReadAllBytes(_h.PathOf("m.pth"));

        var (code, _, err) = _h.Run(Train("--steps", "1"));
        Assert.Equal(2, code);
        Assert.Contains("m.pth: a model is there already; continue it with --resume, or replace it with --overwrite", err);
        Assert.Equal(before, File.ReadAllBytes(_h.PathOf("m.pth")));
        Assert.Equal(2, _h.Run(Train("--steps", "1", "--resume", "--overwrite")).Code);

        (code, _, err) = _h.Run(Train("--steps", "1", "--overwrite"));
        Assert.True(code == 0, err);
        Assert.Equal(1, Steps(_h.PathOf("m.pth")));
    }

    [Fact]
    public async Task CtrlCSavesTheStepsTakenAndSaysSo()
    {
        var (clip, painted, config) = StylizeCommandTests.Setup(_h);
        using var run = new BackgroundRun("stylize", "train", "--video", clip, "--key", $"3={painted}", "--model", _h.PathOf("m.pth"), "--config", config,
            "--steps", "1000000", "--checkpoint-every", "0");
        await run.WaitFor("train: "); // the plain progress's first line, after 5 s of steps
        Assert.Equal(130, await run.Interrupt());
        var steps = Steps(_h.PathOf("m.pth"));
        Assert.True(steps > 0);
        Assert.Contains($"interrupted after {Counted.Of(steps, "step")}; the model is saved in {_h.PathOf("m.pth")}", run.Log());
        Assert.Contains("continue with --resume", run.Log()); // stylize train has --resume

        var again = _h.Run("stylize", "train", "--video", clip, "--key", $"3={painted}", "--model", _h.PathOf("m.pth"), "--steps", "1", "--resume");
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains($"at step {steps}", again.Err);
    }

    /// <summary>The whole job trained, then could not write its video: the model is kept beside it and the message says where.</summary>
    [Fact]
    public async Task AJobThatFailsAfterTrainingKeepsTheModel()
    {
        var (clip, painted, config) = StylizeCommandTests.Setup(_h);
        using var run = new BackgroundRun("stylize", "--video", clip, "--key", $"3={painted}", "-o", _h.PathOf("out"), "--minutes", "0.15", "--config", config);
        // While it trains, something else is put where the frames were to go: found only when writing them.
        await run.WaitFor("stylize: 8 frames");
        Directory.CreateDirectory(_h.PathOf("out"));
        File.WriteAllText(_h.PathOf("out/notes.txt"), "mine");
        Assert.Equal(1, await run.Exit);
        var kept = _h.PathOf("out.model.pth");
        Assert.Contains("the directory holds other files", run.Log());
        Assert.Matches($@"stylize: the trained model \(\d+ steps?\) is kept in {System.Text.RegularExpressions.Regex.Escape(kept)}; render it with 'vivify stylize apply --model", run.Log());
        using var g = StylizeCheckpoints.LoadGenerator(kept);
        Assert.Equal(["notes.txt"], Directory.GetFiles(_h.PathOf("out")).Select(Path.GetFileName));
    }

    [Fact]
    public void AResumedModelKeepsItsConfigurationAndAnotherIsSaid()
    {
        var (clip, painted, config) = StylizeCommandTests.Setup(_h);
        string[] Train(params string[] extra) =>
            ["stylize", "train", "--video", clip, "--key", $"3={painted}", "--model", _h.PathOf("m.pth"), "--steps", "1", .. extra];
        Assert.Equal(0, _h.Run(Train("--config", config)).Code);
        Assert.Equal(2, StylizeSession.StoredConfig(_h.PathOf("m.pth"))!.Trainer.BatchSize); // the tiny configuration's

        // Without --config the model's own configuration goes on (not the default reference_P, 40 patches a step).
        var (code, _, err) = _h.Run(Train("--resume"));
        Assert.True(code == 0, err);
        Assert.Contains("continuing with the configuration", err);
        Assert.Equal(2, StylizeSession.StoredConfig(_h.PathOf("m.pth"))!.Trainer.BatchSize);

        // Another one is an explicit choice, said with what changes.
        File.WriteAllText(_h.PathOf("other.yaml"), File.ReadAllText(config).Replace("batch_size: 2", "batch_size: 3"));
        (code, _, err) = _h.Run(Train("--resume", "--config", _h.PathOf("other.yaml")));
        Assert.True(code == 0, err);
        Assert.Contains("replaces the configuration", err);
        Assert.Contains("trainer.batch_size 2 → 3", err);
        Assert.Equal(3, StylizeSession.StoredConfig(_h.PathOf("m.pth"))!.Trainer.BatchSize);
    }
}
