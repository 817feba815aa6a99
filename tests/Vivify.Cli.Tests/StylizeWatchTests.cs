using System.Diagnostics;
using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>`vivify stylize watch`: keeps training, picks up edited keyframes without restarting, previews, stops cleanly.</summary>
public sealed class StylizeWatchTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)] // with the auxiliary guide, rebuilt (flows recomputed) when a keyframe changes
    public async Task WatchPicksUpAChangedKeyframeAndKeepsTheModelOnStop(bool aux)
    {
        using var h = new CliHarness();
        var project = Directory.CreateDirectory(h.PathOf("proj")).FullName;
        Directory.CreateDirectory(Path.Combine(project, "keys"));
        var clip = h.ClipWithAudio("proj/video.mp4", 8, 32, 24);
        Assert.Equal(0, h.Run("media", "convert", clip, "--start", "3", "-o", h.PathOf("f3.png")).Code);
        Assert.Equal(0, h.Run("stylize", "toon", h.PathOf("f3.png"), "-o", Path.Combine(project, "keys", "00003.png")).Code);
        File.WriteAllText(h.PathOf("tiny.yaml"), """
            generator: {type: GeneratorJ, args: {use_bias: true, tanh: true, append_smoothers: true, resnet_blocks: 1, filters: [4, 4, 4, 4, 4, 4]}}
            discriminator: {type: DiscriminatorN_IN, args: {num_filters: 4, n_layers: 2}}
            trainer: {batch_size: 2}
            training_dataset: {type: DatasetPatches_M, patch_size: 12}
            """);

        var sw = new StringWriter();
        var err = TextWriter.Synchronized(sw);
        string Log() { lock (err) return sw.ToString(); }
        using var cts = new CancellationTokenSource();
        string[] args = ["stylize", "watch", "--project", project, "--config", h.PathOf("tiny.yaml"), "--preview-every", "1", "--frames", "3,5", .. (aux ? new[] { "--aux" } : [])];
        var run = Task.Run(() => Cli.Run(args, TextWriter.Null, err, cts.Token));
        void WaitFor(Func<bool> condition, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                Assert.False(run.IsCompleted, $"watch ended early: {Log()}");
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"timed out waiting for {what}: {Log()}");
                Thread.Sleep(100);
            }
        }
        var preview = Path.Combine(project, "preview", "00005.png");
        WaitFor(() => File.Exists(preview), "the first preview");
        Assert.Contains("keyframes 3 loaded", Log());

        // Edit the painting of frame 3 and add a keyframe for frame 5 while it runs.
        Vivify.Media.ImageIO.Write(Path.Combine(project, "keys", "00003.png"), TorchSharp.torch.ones(3, 24, 32) * 0.8);
        File.Copy(h.PathOf("f3.png"), Path.Combine(project, "keys", "00005.png"));
        WaitFor(() => Log().Contains("keyframes 3, 5 loaded"), "the edited keyframes to be picked up");
        var written = File.GetLastWriteTimeUtc(preview);
        WaitFor(() => File.GetLastWriteTimeUtc(preview) > written, "a new preview after the edit");

        cts.Cancel();
        var code = await run;
        Assert.True(code == 0, Log());
        Assert.Contains("stopped after", Log());
        using var g = Vivify.Stylize.StylizeCheckpoints.LoadGenerator(Path.Combine(project, "model.pth"));
        Assert.Equal(aux ? 6 : 3, g.InputChannels);
        Assert.DoesNotContain(Directory.GetFileSystemEntries(project, "*", SearchOption.AllDirectories), n => n.Contains(".vivify-tmp-"));
    }
}
