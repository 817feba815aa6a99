using Vivify.TestSupport;
using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>`vivify motion synth|train|reconstruct`: the commands end to end on a tiny dataset, and their errors.</summary>
public sealed class MotionCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Synth_is_deterministic_with_the_seed_and_refuses_bad_sizes()
    {
        var (code, output, err) = _cli.Run("motion", "synth", "--out", _cli.PathOf("a"), "--videos", "3", "--frames", "4", "--seed", "2");
        Assert.True(code == 0, err);
        Assert.Contains("2 training and 1 test videos", output);
        Assert.Equal(0, _cli.Run("motion", "synth", "--out", _cli.PathOf("b"), "--videos", "3", "--frames", "4", "--seed", "2", "-q").Code);
        foreach (var f in new[] { "train/shapes0000.png", "train/shapes0001.png", "test/shapes0002.png" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(_cli.PathOf("a"), f)), File.ReadAllBytes(Path.Combine(_cli.PathOf("b"), f)));

        var bad = _cli.Run("motion", "synth", "--out", _cli.PathOf("c"), "--videos", "3", "--size", "100");
        Assert.Equal(2, bad.Code);
        Assert.Contains("--size 100", bad.Err);
        Assert.False(Directory.Exists(_cli.PathOf("c")));
    }

    [Fact]
    public void Train_refuses_to_start_without_a_pretrained_vgg_and_resume_needs_a_checkpoint()
    {
        Assert.Equal(0, _cli.Run("motion", "synth", "--out", _cli.PathOf("data"), "--videos", "3", "--frames", "4", "-q").Code);
        var config = Fixtures.Path("fomm", "tiny.yaml");
        var noVgg = _cli.Run("motion", "train", "--config", config, "--data", _cli.PathOf("data"), "--out", _cli.PathOf("run"));
        Assert.Equal(2, noVgg.Code);
        Assert.Contains("--vgg19", noVgg.Err);
        Assert.Contains("--no-pretrained-vgg", noVgg.Err);
        Assert.False(Directory.Exists(_cli.PathOf("run"))); // a refused run leaves no empty run folder

        var resume = _cli.Run("motion", "train", "--config", config, "--data", _cli.PathOf("data"), "--out", _cli.PathOf("run2"), "--resume", "--no-pretrained-vgg");
        Assert.NotEqual(0, resume.Code);
        Assert.Contains("no checkpoint to resume from", resume.Err);
        Assert.False(Directory.Exists(_cli.PathOf("run2")));
    }

    [Fact]
    public void Reconstruct_reports_the_L1_of_each_test_video_and_overall()
    {
        Assert.Equal(0, _cli.Run("motion", "synth", "--out", _cli.PathOf("data"), "--videos", "3", "--frames", "4", "-q").Code);
        var (code, output, err) = _cli.Run("motion", "reconstruct", "--checkpoint", Fixtures.Path("fomm", "checkpoint-zip.pth.tar"),
            "--config", Fixtures.Path("fomm", "tiny.yaml"), "--data", Path.Combine(_cli.PathOf("data"), "test"), "-o", _cli.PathOf("rec"));
        Assert.True(code == 0, err);
        Assert.Matches(@"shapes0002\s+L1 0\.\d{5}", output);
        Assert.Matches(@"Reconstruction loss: 0\.\d{5} over 4 frames of 1 video ", output);
        Assert.True(File.Exists(Path.Combine(_cli.PathOf("rec"), "shapes0002.mp4")));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(_cli.PathOf("rec"), "reconstruction.csv")).Length);

        // With the synthetic set's tracks: how the keypoints follow the figures, and the random split's held-out part of a flat root.
        var flat = _cli.PathOf("flat");
        Directory.CreateDirectory(flat);
        foreach (var f in Directory.GetFiles(Path.Combine(_cli.PathOf("data"), "train")).Concat(Directory.GetFiles(Path.Combine(_cli.PathOf("data"), "test"))))
            File.Copy(f, Path.Combine(flat, Path.GetFileName(f)));
        (code, output, err) = _cli.Run("motion", "reconstruct", "--checkpoint", Fixtures.Path("fomm", "checkpoint-zip.pth.tar"),
            "--config", Fixtures.Path("fomm", "tiny.yaml"), "--data", flat, "--held-out", "-o", _cli.PathOf("rec2"),
            "--tracks", Path.Combine(_cli.PathOf("data"), "tracks.csv"));
        Assert.True(code == 0, err);
        Assert.Matches(@"over 4 frames of 1 video ", output);
        Assert.Matches(@"Keypoints following a figure: mean correlation -?\d\.\d{3}; \d+ of 10 with r >= 0\.8 .*; \d of 2 figures followed by at least one", output);
        Assert.Equal(11, File.ReadAllLines(Path.Combine(_cli.PathOf("rec2"), "keypoint-tracking.csv")).Length);
    }
}
