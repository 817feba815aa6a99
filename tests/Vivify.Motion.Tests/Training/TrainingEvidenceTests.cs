using Vivify.Motion.Data;
using Vivify.Motion.Evaluation;
using Vivify.Motion.Training;
using Vivify.TestSupport;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

/// <summary>
/// The README's training evidence, small: configs/shapes-64.yaml trained briefly on a fresh synthetic dataset must
/// reconstruct its held-out videos clearly better than the same networks before training did, and its keypoints must
/// follow the figures more closely. (Beating the copy-the-first-frame baseline takes a longer run: README.)
/// </summary>
[Trait("Category", "Evidence")]
public class TrainingEvidenceTests(ITestOutputHelper output)
{
    [Fact]
    public void A_short_run_on_synthetic_shapes_clearly_improves_the_held_out_reconstruction()
    {
        var root = Path.Combine(Path.GetTempPath(), "vivify-evidence-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(root);
            var data = Path.Combine(root, "shapes");
            SyntheticDataset.Write(data, 12, 64, 16, seed: 2, VideoStorage.Strip, 0.2, NoProgress.Instance);
            var config = FommConfig.Load(Path.Combine(Fixtures.RepoRoot, "configs", "shapes-64.yaml"));
            var t = config.train_params!;
            t.batch_size = 4;
            t.num_repeats = 4;       // 9 training videos: 9 batches of 4 per epoch
            t.num_epochs = 14;       // 126 steps: 63 were too few for the keypoints on some trajectories (see README)
            t.epoch_milestones = [];
            // The config's learning rate (5e-4). A run this short is chaotic: float32 rounding, which differs between CPUs, decides
            // where it ends. With 1e-3 the keypoints' correlation ended at 0.84 on a Xeon (AVX-512) but at 0.71 on an AMD EPYC
            // (AVX2), and at 0.55 (held-out L1 0.147) with seed 3 there. With 5e-4, seeds 1, 2 and 3 on the EPYC end at
            // 0.83, 0.84 and 0.66 (from 0.64, 0.58 and 0.32 untrained; held-out L1 0.107, 0.115, 0.103); seed 1 on the Xeon ended at 0.76 (an earlier measurement).
            t.checkpoint_freq = t.num_epochs;
            var options = new TrainOptions
            {
                Config = config, ConfigPath = "shapes-64.yaml", DataDir = data, RunDir = Path.Combine(root, "run"),
                NoPretrainedVgg = true, Seed = 1,
            };

            var tracks = KeypointTracking.LoadTracks(Path.Combine(data, KeypointTracking.TracksFile));

            // The networks as training starts: the same seed, the same initial weights.
            manual_seed(options.Seed);
            (double L1, double Baseline, double Follow) before;
            using (var untrained = new TrainModels(config)) before = HeldOut(untrained.kp_detector, untrained.generator, data, config, tracks);

            Assert.Equal(9 * t.num_epochs, new Trainer(options, NoProgress.Instance, TextWriter.Null).Run());
            using var kp = KeypointDetector.FromConfig(config.model_params);
            using var gen = OcclusionAwareGenerator.FromConfig(config.model_params);
            var cpk = TrainCheckpoint.PathFor(options.RunDir, t.num_epochs - 1);
            FommCheckpoint.LoadForInference(Vivify.Torch.Checkpoints.TorchFile.Load(cpk), kp, gen, cpk);
            var after = HeldOut(kp, gen, data, config, tracks);
            output.WriteLine($"held-out L1: untrained {before.L1:0.0000}, after {9 * t.num_epochs} steps {after.L1:0.0000}, first frame repeated {after.Baseline:0.0000}; " +
                $"keypoint-figure correlation: untrained {before.Follow:0.000}, trained {after.Follow:0.000}");
            Assert.True(after.L1 < 0.8 * before.L1, $"L1 after training {after.L1} is not clearly below the untrained {before.L1}");
            Assert.True(after.Follow > before.Follow + 0.1, $"keypoints do not follow the figures better after training: {before.Follow} -> {after.Follow}");
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Mean held-out L1, the copy-the-first-frame baseline, and the keypoints' mean correlation with the figure each follows best.</summary>
    private static (double L1, double Baseline, double Follow) HeldOut(KeypointDetector kp, OcclusionAwareGenerator gen, string data, FommConfig config,
        Dictionary<string, float[,,]> tracks)
    {
        kp.eval();
        gen.eval();
        using var test = new FramesDataset(data, config.dataset_params.frame_shape, false, is_train: false, null);
        var results = new List<VideoReconstruction>();
        for (var i = 0; i < test.Count; i++)
        {
            using var video = test.GetVideo(i);
            results.Add(Reconstruction.Run(Path.GetFileNameWithoutExtension(test.videos[i]), video, kp, gen, null));
        }
        return (results.Average(r => r.L1), results.Average(r => r.FirstFrameL1), KeypointTracking.Score(results, tracks).Average(k => k.Correlation));
    }
}
