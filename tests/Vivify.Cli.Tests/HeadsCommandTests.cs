using System.Globalization;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Cli.Tests;

/// <summary>`vivify heads synth|meta-train` end to end on a tiny synthetic set, and their errors.</summary>
public sealed class HeadsCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly int _threads = get_num_threads();

    /// <summary>The tiny configuration at 32×32, the smallest frames the content loss's VGG19 takes.</summary>
    private const string Micro = "image_size: 32\nbase_width: 8\nmax_width: 32\nembedding_dim: 32\ngenerator_down_blocks: 2\n" +
                                 "generator_res_blocks: 1\nattention_down_resolution: 8\nattention_up_resolution: 16\nk_shot: 2\n";

    public void Dispose()
    {
        set_num_threads(_threads); // --threads 1 below sets it for the whole process
        _cli.Dispose();
    }

    [Fact]
    public void SynthWritesAVoxCelebLayoutDeterministicallyAndRefusesBadSizes()
    {
        var (code, output, err) = _cli.Run("heads", "synth", "--out", _cli.PathOf("a"), "--persons", "2", "--videos-per-person", "2", "--frames", "3", "--size", "48", "--seed", "4");
        Assert.True(code == 0, err);
        Assert.Contains("2 persons × 2 videos × 3 frames, 48x48 (seed 4)", output);
        Assert.Equal(0, _cli.Run("heads", "synth", "-o", _cli.PathOf("b"), "--persons", "2", "--videos-per-person", "2", "--frames", "3", "--size", "48", "--seed", "4", "-q").Code);
        var frame = Path.Combine("id00001", "video01", "clip00", "00002.png");
        Assert.Equal(File.ReadAllBytes(Path.Combine(_cli.PathOf("a"), frame)), File.ReadAllBytes(Path.Combine(_cli.PathOf("b"), frame)));
        Assert.True(File.Exists(Path.Combine(_cli.PathOf("a"), "id00001", "video01", "clip00", "landmarks.csv")));

        var bad = _cli.Run("heads", "synth", "--out", _cli.PathOf("c"), "--size", "20");
        Assert.Equal(2, bad.Code);
        Assert.Contains("--size 20", bad.Err);
        Assert.False(Directory.Exists(_cli.PathOf("c")));
        var exists = _cli.Run("heads", "synth", "--out", _cli.PathOf("a"), "--persons", "1");
        Assert.NotEqual(0, exists.Code);
        Assert.Contains("not empty", exists.Err);
    }

    [Fact]
    public void MetaTrainRunsResumesAndWritesCheckpointLogAndPreviews()
    {
        Assert.Equal(0, _cli.Run("heads", "synth", "--out", _cli.PathOf("data"), "--persons", "2", "--videos-per-person", "1", "--frames", "3", "--size", "48", "-q").Code);
        File.WriteAllText(_cli.PathOf("micro.yaml"), Micro);
        var run = _cli.PathOf("run");
        var (code, output, err) = _cli.Run("heads", "meta-train", "--data", _cli.PathOf("data"), "--out", run, "--config", _cli.PathOf("micro.yaml"),
            "--steps", "2", "--batch", "2", "--preview-every", "1", "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains("meta-trained to step 2", output);
        Assert.Contains("mean absolute pixel difference", err);
        Assert.Contains("meta-train: 2 steps in", err); // the progress's last line (stderr is not a terminal here)
        Assert.True(File.Exists(Path.Combine(run, "checkpoint.pth")));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(run, "log.csv")).Length);
        Assert.Equal(["00000001.png", "00000002.png"], Directory.GetFiles(Path.Combine(run, "preview")).Select(Path.GetFileName).Order());

        var resumed = _cli.Run("heads", "meta-train", "--data", _cli.PathOf("data"), "--out", run, "--resume", "--steps", "1", "--preview-every", "0", "--threads", "1", "-q");
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Equal("", resumed.Out);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(run, "log.csv")).Length);

        var again = _cli.Run("heads", "meta-train", "--data", _cli.PathOf("data"), "--out", run, "--tiny", "--steps", "1");
        Assert.Equal(1, again.Code);
        Assert.Contains("pass --resume", again.Err);
    }

    [Fact]
    public void AMissingDataDirectoryIsOneClearLine()
    {
        var (code, _, err) = _cli.Run("heads", "meta-train", "--data", _cli.PathOf("nowhere"), "--out", _cli.PathOf("run"), "--tiny");
        Assert.Equal(1, code);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"vivify: {_cli.PathOf("nowhere")}: no such dataset directory", line);
        Assert.Contains("vivify heads synth", line);
        Assert.False(Directory.Exists(_cli.PathOf("run")));

        var both = _cli.Run("heads", "meta-train", "--data", _cli.PathOf("nowhere"), "--out", _cli.PathOf("run"), "--tiny", "--config", "x.yaml");
        Assert.Equal(2, both.Code);
        Assert.Contains("not both", both.Err);
        var steps = _cli.Run("heads", "meta-train", "--data", _cli.PathOf("nowhere"), "--out", _cli.PathOf("run"), "--steps", "0");
        Assert.Equal(2, steps.Code);
        Assert.Contains("--steps 0", steps.Err);
    }

    [Fact]
    public void EvaluateFineTunesMetaLearnedAndFreshNetworksOnUnseenPersonsAndReportsHeldOutError()
    {
        Assert.Equal(0, _cli.Run("heads", "synth", "--out", _cli.PathOf("data"), "--persons", "2", "--videos-per-person", "1", "--frames", "3", "--size", "48", "-q").Code);
        Assert.Equal(0, _cli.Run("heads", "synth", "--out", _cli.PathOf("unseen"), "--persons", "1", "--videos-per-person", "1", "--frames", "5", "--size", "48", "--seed", "9", "-q").Code);
        File.WriteAllText(_cli.PathOf("micro.yaml"), Micro);
        var run = _cli.PathOf("run");
        Assert.Equal(0, _cli.Run("heads", "meta-train", "--data", _cli.PathOf("data"), "--out", run, "--config", _cli.PathOf("micro.yaml"), "--steps", "1", "--threads", "1", "-q").Code);

        var (code, output, err) = _cli.Run("heads", "evaluate", "--model", run, "--data", _cli.PathOf("unseen"), "--shots", "1", "2", "--steps", "2", "--held-out", "2",
            "--preview", _cli.PathOf("preview"), "--csv", _cli.PathOf("figures.csv"), "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains("meta-learned", output);
        Assert.Contains("from scratch", output);
        Assert.Contains("mean absolute pixel difference", err);
        var rows = File.ReadAllLines(_cli.PathOf("figures.csv"));
        Assert.Equal("video,start,shots,steps,seconds,l1_before,l1,ssim,landmark_error,csim,fid", rows[0]);
        Assert.Equal(["meta,1", "scratch,1", "meta,2", "scratch,2"], rows.Skip(1).Select(r => string.Join(',', r.Split(',')[1..3])));
        // face-api's networks (make setup) measure the landmark error and CSIM of every run.
        Assert.Contains("CSIM", output);
        Assert.All(rows.Skip(1), r =>
        {
            var cells = r.Split(',');
            Assert.True(double.Parse(cells[8], CultureInfo.InvariantCulture) >= 0, r);
            Assert.InRange(double.Parse(cells[9], CultureInfo.InvariantCulture), -1, 1);
        });
        Assert.All(rows.Skip(1), r => Assert.StartsWith("id00000/video00,", r));
        Assert.True(File.Exists(Path.Combine(_cli.PathOf("preview"), "id00000_video00.png")));

        // With Inception weights (freshly initialised here; users give pytorch-fid's file) the FID of each start and shot count.
        using (var inception = new Vivify.Heads.Fid.FidInceptionV3())
            Vivify.Torch.Checkpoints.TorchSave.Save(Vivify.Torch.StateDicts.StateDict.ToPyDict(inception), _cli.PathOf("inception.pth"));
        var withFid = _cli.Run("heads", "evaluate", "--model", run, "--data", _cli.PathOf("unseen"), "--shots", "1", "--steps", "1", "--held-out", "2",
            "--no-scratch", "--no-face-metrics", "--inception", _cli.PathOf("inception.pth"), "--csv", _cli.PathOf("fid.csv"), "--threads", "1");
        Assert.True(withFid.Code == 0, withFid.Err);
        Assert.Contains("FID", withFid.Out);
        var fidRow = File.ReadAllLines(_cli.PathOf("fid.csv"))[1].Split(',');
        Assert.True(double.Parse(fidRow[10], CultureInfo.InvariantCulture) >= 0, string.Join(',', fidRow));
        Assert.Equal("NaN", fidRow[9]);
        var badInception = _cli.Run("heads", "evaluate", "--model", run, "--data", _cli.PathOf("unseen"), "--inception", _cli.PathOf("none.pth"), "-q");
        Assert.Equal(1, badInception.Code);
        Assert.Contains("none.pth: Inception weights not found", badInception.Err);

        var tooMany = _cli.Run("heads", "evaluate", "--model", run, "--data", _cli.PathOf("unseen"), "--shots", "4", "--held-out", "2", "-q");
        Assert.Equal(1, tooMany.Code);
        Assert.Contains("5 frames, fewer than 4 shots + 2 held-out frames", tooMany.Err);
        var badShots = _cli.Run("heads", "evaluate", "--model", run, "--data", _cli.PathOf("unseen"), "--shots", "0");
        Assert.Equal(2, badShots.Code);
    }
}
