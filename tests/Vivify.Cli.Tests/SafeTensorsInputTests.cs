using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Cli.Tests;

/// <summary>
/// Tests that compare two in-process runs bit for bit run alone, after the parallel ones: the commands run inside the
/// test process, where a test running beside them could draw from libtorch's global random generator between a seed
/// and its use (heads evaluate's from-scratch model is initialised from it) or change the thread count (--threads).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExactComparisonCollection
{
    public const string Name = "exact comparisons of in-process runs";
}

/// <summary>
/// Every command that takes a checkpoint reads the safetensors file `vivify checkpoint convert` writes from it, with
/// the same result as the torch file (issue #18: `animate -c model.safetensors` was refused as "truncated or
/// corrupt" because animate read only PyTorch's formats).
/// </summary>
[Collection(ExactComparisonCollection.Name)]
public sealed class SafeTensorsInputTests : IDisposable
{
    private readonly int _threads = get_num_threads();

    public void Dispose() => set_num_threads(_threads); // --threads 1 below sets it for the whole process

    private static string Convert(CliHarness h, string from, string name)
    {
        var r = h.Run("checkpoint", "convert", from, h.PathOf(name));
        Assert.True(r.Code == 0, r.Err);
        return h.PathOf(name);
    }

    private static void SameFiles(string a, string b)
    {
        var names = Directory.GetFiles(a).Select(f => Path.GetFileName(f)).Order().ToArray();
        Assert.NotEmpty(names);
        Assert.Equal(names, Directory.GetFiles(b).Select(f => Path.GetFileName(f)).Order().ToArray());
        foreach (var n in names) Assert.True(File.ReadAllBytes(Path.Combine(a, n)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, n))), n);
    }

    [Fact]
    public void AnimateAndMotionReconstructReadSafetensors()
    {
        using var h = new CliHarness();
        var config = TinyMotionModel.WriteConfig(h.PathOf("tiny.yaml"));
        var pth = TinyMotionModel.WriteCheckpoint(h.PathOf("tiny.pth.tar"), config);
        var st = Convert(h, pth, "tiny.safetensors");
        var driving = Directory.CreateDirectory(h.PathOf("driving")).FullName;
        CliHarness.Ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=10:duration=0.3", Path.Combine(driving, "%05d.png"));
        var source = h.Picture("source.png", 64, 64);
        foreach (var (cpk, o) in new[] { (pth, "a"), (st, "b") })
        {
            var r = h.Run("animate", "-s", source, "-d", driving, "--config", config, "-c", cpk, "-o", h.PathOf(o), "-q");
            Assert.True(r.Code == 0, r.Err);
        }
        SameFiles(h.PathOf("a"), h.PathOf("b"));

        Assert.Equal(0, h.Run("motion", "synth", "--out", h.PathOf("data"), "--videos", "3", "--frames", "4", "-q").Code);
        var published = Fixtures.Path("fomm", "checkpoint-zip.pth.tar");
        var outputs = new List<string>();
        foreach (var (cpk, o) in new[] { (published, "rec-a"), (Convert(h, published, "published.safetensors"), "rec-b") })
        {
            var r = h.Run("motion", "reconstruct", "--checkpoint", cpk, "--config", Fixtures.Path("fomm", "tiny.yaml"),
                "--data", Path.Combine(h.PathOf("data"), "test"), "-o", h.PathOf(o), "-q");
            Assert.True(r.Code == 0, r.Err);
            outputs.Add(File.ReadAllText(Path.Combine(h.PathOf(o), "reconstruction.csv")));
        }
        Assert.Equal(outputs[0], outputs[1]);
    }

    [Fact]
    public void StylizeApplyReadsSafetensorsOfVivifysAndThePublishedModelFiles()
    {
        using var h = new CliHarness();
        var (clip, painted, config) = StylizeCommandTests.Setup(h);
        var t = h.Run("stylize", "train", "--video", clip, "--key", $"3={painted}", "--model", h.PathOf("m.pth"), "--steps", "1", "--config", config);
        Assert.True(t.Code == 0, t.Err);
        foreach (var (model, name) in new[] { (h.PathOf("m.pth"), "vivify"), (Fixtures.Path("stylize", "model_00000.pth"), "published") })
        {
            var st = Convert(h, model, name + ".safetensors");
            foreach (var (m, o) in new[] { (model, name + "-a"), (st, name + "-b") })
            {
                Directory.CreateDirectory(h.PathOf(o));
                var r = h.Run("stylize", "apply", "--model", m, "--input", painted, "-o", Path.Combine(h.PathOf(o), "one.png"));
                Assert.True(r.Code == 0, $"{m}: {r.Err}");
            }
            SameFiles(h.PathOf(name + "-a"), h.PathOf(name + "-b"));
        }
    }

    [Fact]
    public void HeadsEvaluateReadsASafetensorsModel()
    {
        using var h = new CliHarness();
        Assert.Equal(0, h.Run("heads", "synth", "--out", h.PathOf("data"), "--persons", "2", "--videos-per-person", "1", "--frames", "3", "--size", "48", "-q").Code);
        File.WriteAllText(h.PathOf("micro.yaml"), "image_size: 32\nbase_width: 8\nmax_width: 32\nembedding_dim: 32\ngenerator_down_blocks: 2\n" +
                                                  "generator_res_blocks: 1\nattention_down_resolution: 8\nattention_up_resolution: 16\nk_shot: 2\n");
        var run = h.PathOf("run");
        Assert.Equal(0, h.Run("heads", "meta-train", "--data", h.PathOf("data"), "--out", run, "--config", h.PathOf("micro.yaml"), "--steps", "1", "--threads", "1", "-q").Code);
        var st = Convert(h, Path.Combine(run, Vivify.Heads.HeadsCheckpoint.FileName), "model.safetensors");
        var tables = new List<string>();
        foreach (var (m, csv) in new[] { (run, "a.csv"), (st, "b.csv") })
        {
            var r = h.Run("heads", "evaluate", "--model", m, "--data", h.PathOf("data"), "--shots", "1", "--steps", "1", "--held-out", "2",
                "--csv", h.PathOf(csv), "--threads", "1", "-q");
            Assert.True(r.Code == 0, $"{m}: {r.Err}");
            // Everything but the seconds each run took.
            tables.Add(string.Join('\n', File.ReadAllLines(h.PathOf(csv)).Select(l => string.Join(',', l.Split(',').Where((_, i) => i != 4)))));
        }
        Assert.Equal(tables[0], tables[1]);
    }
}
