using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>Half of an mp4 (`head -c`): used as far as it goes, and said so, with the frames read and those announced.</summary>
public sealed class TruncatedMediaTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    /// <summary>The one warning line; returns the frames it says were read.</summary>
    private static long Warned(string err, string path)
    {
        var lines = err.Split('\n').Where(l => l.Contains("warning")).ToList();
        var line = Assert.Single(lines);
        var m = Regex.Match(line, $@"^vivify: warning: {Regex.Escape(path)}: the video is truncated or damaged: (\d+) frames could be read of the 60 its container announces");
        Assert.True(m.Success, line);
        return long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void ConvertComposeAndProbeSayTheVideoIsTruncated()
    {
        var half = _h.TruncatedClip("half.mp4", 60);
        var (code, _, err) = _h.Run("media", "convert", half, "-o", _h.PathOf("out.mp4"));
        Assert.True(code == 0, err);
        var read = Warned(err, half);
        Assert.InRange(read, 1, 59);
        Assert.Equal(read, Vivify.Media.MediaProbe.Probe(_h.PathOf("out.mp4")).FrameCount);

        (code, _, err) = _h.Run("media", "compose", half, half, "-o", _h.PathOf("side.gif"));
        Assert.True(code == 0, err);
        Assert.Equal(read, Warned(err, half));
        (code, _, err) = _h.Run("media", "convert", half, "-o", _h.PathOf("quiet.mp4"), "-q"); // quiet hides progress, not a damaged input
        Assert.True(code == 0, err);
        Assert.Equal(read, Warned(err, half));

        (code, var probe, err) = _h.Run("media", "probe", half);
        Assert.True(code == 0, err);
        Assert.Matches(@"frames +60 announced, only \d+ in the file \(truncated or damaged; --count-frames counts those that decode\)", probe);
        (code, probe, err) = _h.Run("media", "probe", half, "--count-frames");
        Assert.True(code == 0, err);
        Assert.Contains($"{read} decodable, of the 60 the container announces (truncated or damaged)", probe);
        (code, probe, _) = _h.Run("media", "probe", _h.PathOf("out.mp4"), "--count-frames");
        Assert.Matches($@"frames +{read} decodable\r?\n", probe);
    }
}
