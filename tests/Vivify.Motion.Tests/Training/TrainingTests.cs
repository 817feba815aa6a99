using Vivify.Motion.Data;
using Vivify.Motion.Training;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

/// <summary>A small synthetic dataset (4 training videos of 64×64) written once for the data and training tests.</summary>
public sealed class SynthData : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "vivify-train-" + Guid.NewGuid().ToString("N")[..8]);
    public string Strips => Path.Combine(Root, "strips");
    public string Frames => Path.Combine(Root, "frames");

    public SynthData()
    {
        Directory.CreateDirectory(Root);
        SyntheticDataset.Write(Strips, 5, 64, 6, seed: 11, VideoStorage.Strip, 0.2, NoProgress.Instance);
        SyntheticDataset.Write(Frames, 5, 64, 6, seed: 11, VideoStorage.Frames, 0.2, NoProgress.Instance);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

public class TrainingTests(SynthData data) : IClassFixture<SynthData>
{
    private static FommConfig TinyConfig(int epochs)
    {
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        config.train_params!.num_epochs = epochs;
        config.train_params.num_repeats = 1;
        config.train_params.batch_size = 2;
        config.train_params.checkpoint_freq = 1;
        config.train_params.epoch_milestones = [1];
        config.dataset_params.augmentation_params = new()
        {
            ["flip_param"] = new Dictionary<object, object> { ["horizontal_flip"] = true, ["time_flip"] = true },
            ["jitter_param"] = new Dictionary<object, object> { ["brightness"] = 0.1, ["contrast"] = 0.1, ["saturation"] = 0.1, ["hue"] = 0.1 },
        };
        return config;
    }

    [Fact]
    public void Strips_and_frame_folders_hold_the_same_videos_and_pairs_are_reproducible()
    {
        using var strips = new FramesDataset(data.Strips, [64, 64, 3], false, is_train: true, Augmentation.FromConfig(TinyConfig(1).dataset_params.augmentation_params, "test"));
        Assert.Equal(4, strips.Count);
        using var test = new FramesDataset(data.Frames, [64, 64, 3], false, is_train: false, null);
        Assert.Single(test.videos);

        using var a = strips.GetPair(1, new Random(5));
        using var b = strips.GetPair(1, new Random(5));
        Assert.Equal(new long[] { 3, 64, 64 }, a.source.shape);
        Assert.True(a.source.eq(b.source).all().item<bool>() && a.driving.eq(b.driving).all().item<bool>());

        using var train = new FramesDataset(data.Frames, [64, 64, 3], false, is_train: true, null);
        using var plain = new FramesDataset(data.Strips, [64, 64, 3], false, is_train: true, null);
        using var fromFolder = train.GetPair(2, new Random(9));
        using var fromStrip = plain.GetPair(2, new Random(9));
        TensorAssert.Equal(fromStrip.source, fromFolder.source, "source");
        TensorAssert.Equal(fromStrip.driving, fromFolder.driving, "driving");
        using var video = SyntheticVideos.Generate(11, 2, 64, 6);
        // png is lossless: the stored frames are the generated ones to 8 bits.
        using var stored = train.GetVideo(2);
        using var diff = (video - stored).abs().max();
        Assert.True(diff.item<float>() <= 0.5f / 255 + 1e-6f, $"max diff {diff.item<float>()}");
    }

    [Fact]
    public void Resumed_run_takes_the_same_steps_as_an_uninterrupted_one_and_writes_published_checkpoints()
    {
        var whole = Path.Combine(data.Root, "whole");
        var split = Path.Combine(data.Root, "split");
        Assert.Equal(4, new Trainer(Options(TinyConfig(2), whole, false) with { VisualizeEvery = 3 }, NoProgress.Instance, TextWriter.Null).Run());
        // The visualiser's picture at steps 0 and 3: 2 rows (batch) by 6 columns of 64×64.
        Assert.Equal(["00000000.png", "00000003.png"], Directory.GetFiles(Path.Combine(whole, "train-vis")).Select(Path.GetFileName).Order());
        var vis = Vivify.Media.MediaProbe.Probe(Path.Combine(whole, "train-vis", "00000003.png"));
        Assert.Equal((384, 128), (vis.Width, vis.Height));
        Assert.Equal(2, new Trainer(Options(TinyConfig(1), split, false), NoProgress.Instance, TextWriter.Null).Run());
        Assert.Equal(2, new Trainer(Options(TinyConfig(2), split, true), NoProgress.Instance, TextWriter.Null).Run());

        var a = TrainLog.Read(Path.Combine(whole, "log.csv"));
        var b = TrainLog.Read(Path.Combine(split, "log.csv"));
        Assert.Equal(4, a.Count);
        Assert.Equal(a.Select(r => (r.Epoch, r.Iteration)), b.Select(r => (r.Epoch, r.Iteration)));
        Assert.Equal(["perceptual", "gen_gan", "feature_matching", "equivariance_value", "equivariance_jacobian", "disc_gan"], a[0].Losses.Keys);
        for (var i = 0; i < a.Count; i++)
            foreach (var (name, value) in a[i].Losses)
                TensorAssert.CloseRel(value, b[i].Losses[name], 1e-6, $"step {i} {name}");
        // Training moved the weights: the second epoch's losses are not the first's.
        Assert.NotEqual(a[0].Losses["perceptual"], a[2].Losses["perceptual"]);

        var cpk = TrainCheckpoint.PathFor(split, 1);
        var loaded = Vivify.Torch.Checkpoints.TorchFile.Load(cpk) as Vivify.Torch.Checkpoints.PyDict;
        Assert.Equal(["generator", "discriminator", "kp_detector", "optimizer_generator", "optimizer_discriminator", "optimizer_kp_detector", "epoch"],
            loaded!.Keys.Select(k => (string)k));
        Assert.Equal(1L, loaded["epoch"]);
        var config = TinyConfig(2);
        using var kp = KeypointDetector.FromConfig(config.model_params);
        using var gen = OcclusionAwareGenerator.FromConfig(config.model_params);
        FommCheckpoint.LoadForInference(loaded, kp, gen, cpk);
    }

    [Fact]
    public void Ctrl_C_within_an_epoch_saves_the_steps_taken_and_resuming_takes_the_same_steps_as_an_uninterrupted_run()
    {
        var whole = Path.Combine(data.Root, "whole-run");
        var cut = Path.Combine(data.Root, "cut-run");
        Assert.Equal(4, new Trainer(Options(TinyConfig(2), whole, false), NoProgress.Instance, TextWriter.Null).Run());

        using var cts = new CancellationTokenSource();
        var log = new StringWriter();
        Assert.ThrowsAny<OperationCanceledException>(() => new Trainer(Options(TinyConfig(2), cut, false), new CancelAfter(1, cts), log).Run(cts.Token));
        var saved = TrainCheckpoint.PathFor(cut, 0);
        Assert.Contains($"interrupted in epoch 0 after 1 of its 2 batches; saved {saved}", log.ToString());
        var cpk = (Vivify.Torch.Checkpoints.PyDict)Vivify.Torch.Checkpoints.TorchFile.Load(saved)!;
        Assert.Equal((-1L, 1L), ((long)cpk["epoch"]!, (long)cpk["epoch_batches"]!)); // no epoch finished; one batch of epoch 0 taken

        Assert.Equal(3, new Trainer(Options(TinyConfig(2), cut, true), NoProgress.Instance, TextWriter.Null).Run());
        var a = TrainLog.Read(Path.Combine(whole, "log.csv"));
        var b = TrainLog.Read(Path.Combine(cut, "log.csv"));
        Assert.Equal(a.Select(r => (r.Epoch, r.Iteration)), b.Select(r => (r.Epoch, r.Iteration)));
        for (var i = 0; i < a.Count; i++)
            foreach (var (name, value) in a[i].Losses)
                TensorAssert.CloseRel(value, b[i].Losses[name], 1e-6, $"step {i} {name}");
        // The finished epoch's checkpoint replaced the unfinished one.
        Assert.False(((Vivify.Torch.Checkpoints.PyDict)Vivify.Torch.Checkpoints.TorchFile.Load(saved)!).ContainsKey("epoch_batches"));
    }

    /// <summary>Cancels the run after its n-th step, as Ctrl-C between steps would.</summary>
    private sealed class CancelAfter(int steps, CancellationTokenSource cts) : IProgressReporter, IProgressTask
    {
        private int _done;
        public IProgressTask Start(string description, long? total, string unit = "frames") => this;
        public void Advance(long by = 1) { if ((_done += (int)by) >= steps) cts.Cancel(); }
        public void Dispose() { }
    }

    [Fact]
    public void Reconstruction_reports_per_video_L1_and_the_first_frame_baseline_and_writes_the_side_by_side_video()
    {
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        var path = Fixtures.Path("fomm", "checkpoint-legacy.pth.tar");
        using var kp = KeypointDetector.FromConfig(config.model_params);
        using var gen = OcclusionAwareGenerator.FromConfig(config.model_params);
        FommCheckpoint.LoadForInference(FixtureData.Checkpoint(path), kp, gen, path);
        kp.eval(); gen.eval();
        var videos = Vivify.Motion.Evaluation.Reconstruction.Videos(data.Strips);
        Assert.Equal("shapes0004.png", Path.GetFileName(Assert.Single(videos)));
        using var video = SyntheticVideos.Generate(11, 4, 64, 6);
        var mp4 = Path.Combine(data.Root, "rec.mp4");
        var r = Vivify.Motion.Evaluation.Reconstruction.Run("shapes0004", video, kp, gen, mp4);
        Assert.Equal(6, r.Frames);
        using var baseline = (video - video[..1]).abs().mean();
        Assert.Equal(baseline.item<float>(), r.FirstFrameL1, 5);
        Assert.InRange(r.L1, 1e-4, 1);
        var info = Vivify.Media.MediaProbe.Probe(mp4);
        Assert.Equal((192, 64, 6L), (info.Width, info.Height, info.FrameCount));
    }

    private TrainOptions Options(FommConfig config, string runDir, bool resume) => new()
    {
        Config = config, ConfigPath = "tiny.yaml", DataDir = data.Strips, RunDir = runDir, Resume = resume,
        NoPretrainedVgg = true, Seed = 3,
    };
}

