using System.CommandLine;
using System.Globalization;
using Vivify.Media;
using Vivify.Motion;
using Vivify.Motion.Data;
using Vivify.Motion.Evaluation;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Cli.Commands;

/// <summary>`vivify motion reconstruct`: the published reconstruction evaluation (mean L1 per video and overall) with side-by-side videos.</summary>
public static class MotionReconstructCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Checkpoint with generator and kp_detector (published layout)", Required = true };
        var config = new Option<string>("--config") { Description = "The configuration the checkpoint was trained with", Required = true };
        var data = new Option<string>("--data") { Description = "Test videos: DIR/test (or a dataset root holding train/ and test/)", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Output directory: NAME.mp4 (frame | prediction | occlusion) per video and reconstruction.csv", Required = true };
        var alignCorners = new Option<bool>("--align-corners") { Description = "grid_sample as PyTorch 1.0 (align_corners=True), for the published checkpoints" };
        var heldOut = new Option<bool>("--held-out") { Description = "--data is a dataset root without train/ and test/: evaluate the videos its random split holds out (as training split it)" };
        var tracks = new Option<string?>("--tracks") { Description = "tracks.csv of 'vivify motion synth' (figure centres per frame): also report how well the keypoints follow the figures" };
        var cmd = new Command("reconstruct", "Reconstruct each test video from its first frame and report the mean L1 (pixels in [0,1]) per video and overall")
        {
            checkpoint, config, data, output, alignCorners, heldOut, tracks,
        };
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            Cli.RequireCpu(parse, "motion reconstruction");
            var configPath = parse.GetValue(config)!;
            var cpkPath = parse.GetValue(checkpoint)!;
            var outDir = parse.GetValue(output)!;
            // Every input and the output folder are checked before the networks load; the videos and tables appear together or not at all.
            using var plan = OutputPlan.Begin().Inputs([configPath, cpkPath, parse.GetValue(data), parse.GetValue(tracks)]).Folder(outDir);
            var cfg = FommConfig.Load(configPath);
            if (!File.Exists(cpkPath)) throw new VivifyException($"{cpkPath}: checkpoint not found; give a file written by 'vivify motion train' or the published code");
            var trackSet = parse.GetValue(tracks) is { } tracksPath ? KeypointTracking.LoadTracks(tracksPath) : null;
            var videos = Reconstruction.Videos(parse.GetValue(data)!, parse.GetValue(heldOut));
            if (trackSet is not null && !videos.Any(v => trackSet.ContainsKey(Path.GetFileNameWithoutExtension(v.TrimEnd('/')))))
                throw NoTracks();
            using var kp = KeypointDetector.FromConfig(cfg.model_params);
            using var gen = OcclusionAwareGenerator.FromConfig(cfg.model_params);
            FommCheckpoint.LoadForInference(Vivify.Torch.Checkpoints.CheckpointIO.Load(cpkPath), kp, gen, cpkPath);
            gen.align_corners = parse.GetValue(alignCorners);
            kp.eval();
            gen.eval();

            Directory.CreateDirectory(outDir);
            var shape = cfg.dataset_params.frame_shape;
            using var reader = new VideoReader(shape[0], shape[1], cacheBytes: 0);
            var results = Progress.Run(parse, p =>
            {
                using var task = p.Start("reconstruct", videos.Count, "videos");
                var list = new List<VideoReconstruction>();
                foreach (var path in videos)
                {
                    using var scope = NewDisposeScope();
                    var name = Path.GetFileNameWithoutExtension(path.TrimEnd('/'));
                    var video = reader.Read(path).permute(0, 3, 1, 2).to(ScalarType.Float32).div(S(255f));
                    list.Add(Reconstruction.Run(name, video, kp, gen, Path.Combine(outDir, name + ".mp4"), cancel));
                    task.Advance();
                }
                return list;
            });

            var inv = CultureInfo.InvariantCulture;
            var frames = results.Sum(r => r.Frames);
            var overall = results.Sum(r => r.L1 * r.Frames) / frames;
            var baseline = results.Sum(r => r.FirstFrameL1 * r.Frames) / frames;
            var csv = new List<string> { "video,frames,l1,first_frame_l1" };
            csv.AddRange(results.Select(r => string.Create(inv, $"{r.Name},{r.Frames},{r.L1:R},{r.FirstFrameL1:R}")));
            csv.Add(string.Create(inv, $"overall,{frames},{overall:R},{baseline:R}"));
            using (var table = AtomicOutput.ForFile(Path.Combine(outDir, "reconstruction.csv")))
            {
                File.WriteAllLines(table.TempPath, csv);
                table.Commit();
            }
            var o = parse.InvocationConfiguration.Output;
            if (!parse.GetValue(Cli.Quiet))
            {
                foreach (var r in results) o.WriteLine(string.Create(inv, $"{r.Name,-24} L1 {r.L1:0.00000}  (first frame repeated: {r.FirstFrameL1:0.00000})"));
                o.WriteLine(string.Create(inv, $"Reconstruction loss: {overall:0.00000} over {Counted.Of(frames, "frame")} of {Counted.Of(results.Count, "video")} (first frame repeated: {baseline:0.00000})"));
            }
            if (trackSet is not null) ReportTracking(results, trackSet, outDir, parse);
            plan.Commit();
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static VivifyException NoTracks() => new("--tracks: none of the test videos is in the tracks file; give the tracks.csv of this dataset");

    /// <summary>OUT/keypoint-tracking.csv and a summary: how well each keypoint follows the figure it follows best.</summary>
    private static void ReportTracking(List<VideoReconstruction> results, Dictionary<string, float[,,]> tracks, string outDir, ParseResult parse)
    {
        var inv = CultureInfo.InvariantCulture;
        var follows = KeypointTracking.Score(results, tracks);
        if (follows.Count == 0) throw NoTracks();
        var csv = new List<string> { "video,keypoint,figure,correlation,gain" };
        csv.AddRange(follows.Select(k => string.Create(inv, $"{k.Video},{k.Keypoint},{k.Figure},{k.Correlation:R},{k.Gain:R}")));
        using (var table = AtomicOutput.ForFile(Path.Combine(outDir, "keypoint-tracking.csv")))
        {
            File.WriteAllLines(table.TempPath, csv);
            table.Commit();
        }
        if (parse.GetValue(Cli.Quiet)) return;
        var strong = follows.Where(k => k.Correlation >= 0.8).ToList();
        // Keypoints may gather on one figure: count the figures that at least one keypoint follows.
        var figures = results.Where(r => tracks.ContainsKey(r.Name)).Sum(r => tracks[r.Name].GetLength(1));
        var followed = strong.Select(k => (k.Video, k.Figure)).Distinct().Count();
        parse.InvocationConfiguration.Output.WriteLine(string.Create(inv,
            $"Keypoints following a figure: mean correlation {follows.Average(k => k.Correlation):0.000}; {strong.Count} of {follows.Count} with r >= 0.8 (their mean gain {(strong.Count > 0 ? strong.Average(k => k.Gain) : 0):0.00}); {followed} of {figures} figures followed by at least one"));
    }
}
