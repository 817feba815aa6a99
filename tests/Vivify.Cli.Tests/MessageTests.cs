using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>Messages a user can act on: no .NET type names, counts in the right number, ETAs past an hour, no silent waits.</summary>
public sealed class MessageTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Theory]
    [InlineData("--minutes 'abc' is not a number", "stylize", "--video", "v.mp4", "--minutes", "abc")]
    [InlineData("--batch 'x' is not a whole number", "animate", "-s", "a.png", "-d", "b.mp4", "-c", "c.pth", "--config", "d.yaml", "-o", "o.mp4", "--batch", "x")]
    [InlineData("--shots 'two' is not a whole number", "heads", "evaluate", "-m", "run", "--data", "d", "--shots", "1", "two")]
    [InlineData("--steps '1e9x' is not a whole number", "stylize", "train", "--model", "m.pth", "--steps", "1e9x")]
    [InlineData("--height '2.5' is not a whole number", "media", "compose", "a.png", "b.png", "-o", "c.png", "--height", "2.5")]
    public void ValuesOfTheWrongKindSayWhatWasExpected(string expected, params string[] args)
    {
        var (code, _, err) = _h.Run(args);
        Assert.Equal(2, code);
        Assert.Contains($"vivify: {expected}", err);
        Assert.DoesNotContain("System.", err);
    }

    [Fact]
    public void EvaluateOnNoVideosIsRefused()
    {
        var (code, _, err) = _h.Run("heads", "evaluate", "-m", _h.PathOf("run"), "--data", _h.Dir, "--videos", "0");
        Assert.Equal(2, code);
        Assert.Contains("--videos must be at least 1", err);
    }

    [Fact]
    public void EtasPastAnHourKeepTheirHours()
    {
        Assert.Equal("0:07", Progress.Eta(7));
        Assert.Equal("59:59", Progress.Eta(3599));
        Assert.Equal("1:02:05", Progress.Eta(3725));
        Assert.Equal("27:46:40", Progress.Eta(100_000));
        Assert.Equal("9999:00:00", Progress.Eta(1e30)); // a stalled rate: bounded, not an overflow
    }

    [Fact]
    public void OneFrameIsOneFrame()
    {
        var err = new StringWriter();
        using (var task = new Progress.PlainProgress(err, intervalSeconds: 0).Start("convert", 1))
            task.Advance();
        Assert.Contains("convert: 1/1 frame,", err.ToString());
        Assert.Contains("convert: 1 frame in", err.ToString());
        Assert.Equal("1 frame", Counted.Of(1, "frame"));
        Assert.Equal("0 frames", Counted.Of(0, "frame"));
    }

    [Fact]
    public void LinesWrittenWhileAProgressDisplayIsLiveGoAboveIt()
    {
        var inner = new StringWriter();
        var errors = new TerminalErrors(inner);
        var above = new List<string>();
        errors.WriteLine("before");
        using (errors.Above(above.Add))
        {
            errors.WriteLine("vivify: warning: x.mp4: the video is truncated");
            errors.Write("partial");
        }
        errors.WriteLine("after");
        Assert.Equal(["vivify: warning: x.mp4: the video is truncated", "partial"], above);
        Assert.Equal($"before{Environment.NewLine}after{Environment.NewLine}", inner.ToString());
    }

    [Fact]
    public async Task WatchSaysOnceWhatKeyframeItWaitsFor()
    {
        var project = Directory.CreateDirectory(_h.PathOf("proj")).FullName;
        Directory.CreateDirectory(Path.Combine(project, "keys"));
        _h.ClipWithAudio("proj/video.mp4", 8, 32, 24);
        _h.Picture("proj/keys/sky.png", 32, 24); // not named by a frame number
        using var run = new BackgroundRun("stylize", "watch", "--project", project);
        await run.WaitFor("waiting");
        await Task.Delay(2500); // the keys folder is looked at every second: said once, not every time
        Assert.Equal(0, await run.Interrupt());
        var log = run.Log();
        var waiting = log.Split('\n').Where(l => l.Contains("waiting")).ToList();
        Assert.True(waiting.Count == 1, log);
        Assert.Contains("sky.png: keyframes are named by their 0-based frame number", waiting[0]);
        Assert.Contains("waiting for a valid keyframe: a 32×24 picture named by its 0-based frame number (0 to 7), e.g. 00000.png", waiting[0]);
        Assert.DoesNotContain("keeping the previous keyframes", log); // there were none
    }
}
