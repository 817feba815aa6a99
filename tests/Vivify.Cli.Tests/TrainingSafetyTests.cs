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
        var sw = new StringWriter();
        var err = TextWriter.Synchronized(sw);
        string Log() { lock (err) return sw.ToString(); }
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() => Cli.Run(["stylize", "train", "--video", clip, "--key", $"3={painted}", "--model", _h.PathOf("m.pth"), "--config", config,
            "--steps", "1000000", "--checkpoint-every", "0"], TextWriter.Null, err, cts.Token));
        // The plain progress prints its first "train:" line after 5 s of steps.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!Log().Contains("train: "))
        {
            Assert.False(run.IsCompleted, $"the run ended before it could be interrupted: {Log()}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), $"training did not start: {Log()}");
            await Task.Delay(100);
        }
        cts.Cancel();
        Assert.Equal(130, await run);
        var steps = Steps(_h.PathOf("m.pth"));
        Assert.True(steps > 0);
        Assert.Contains($"interrupted after {steps} steps; the model is saved in {_h.PathOf("m.pth")}", Log());
        Assert.Contains("continue with --resume", Log()); // stylize train has --resume

        var again = _h.Run("stylize", "train", "--video", clip, "--key", $"3={painted}", "--model", _h.PathOf("m.pth"), "--steps", "1", "--resume");
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains($"at step {steps}", again.Err);
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
