using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Vivify.Faces;
using Vivify.Heads;
using Vivify.Heads.Data;
using Vivify.Heads.Fid;
using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Cli.Commands;

/// <summary>
/// `vivify heads evaluate --model RUN_DIR --data DIR`: the few-shot experiment on videos of persons the model has
/// not seen — fine-tune the meta-learned model and, at equal steps, the same networks from scratch on K shots of
/// each video, then measure L1 and SSIM of the held-out frames drawn from their landmarks, and with face-api's
/// networks (when present) the landmark error and CSIM (<see cref="FewShotFaceMetrics"/>).
/// </summary>
public static class HeadsEvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "A meta-trained model: the RUN_DIR of `vivify heads meta-train`, or its checkpoint.pth", Required = true };
        var data = new Option<string>("--data") { Description = "Videos of persons the model has not seen, in a layout `heads meta-train` reads (e.g. `vivify heads synth --seed` another seed)", Required = true };
        var shots = new Option<int[]>("--shots") { Description = "Shot counts to test", DefaultValueFactory = _ => [1, 8], AllowMultipleArgumentsPerToken = true };
        var steps = new Option<int>("--steps") { Description = "Fine-tuning steps per run (the same for every start and shot count)", DefaultValueFactory = _ => 100 };
        var heldOut = new Option<int>("--held-out") { Description = "Held-out frames per video (its last ones)", DefaultValueFactory = _ => 8 };
        var videos = new Option<int?>("--videos") { Description = "Test only the first N videos (default: all)" };
        var batch = new Option<int>("--batch") { Description = "Shots per fine-tuning step", DefaultValueFactory = _ => 8 };
        var noScratch = new Option<bool>("--no-scratch") { Description = "Skip the from-scratch baseline" };
        var vgg19 = new Option<string?>("--vgg19") { Description = "torchvision's vgg19-dcbb9e9d.pth for the content loss (without it, the mean absolute pixel difference stands in)" };
        var preview = new Option<string?>("--preview") { Description = "Directory for one PNG per video: landmarks | real | each run's drawing of the first held-out frame" };
        var csv = new Option<string?>("--csv") { Description = "Write every run's figures to this CSV file" };
        var models = new Option<string?>("--models") { Description = "Directory of the face-api networks for the landmark error and CSIM (default: data/face-api/model, or VIVIFY_FACE_MODELS; measured when present)" };
        var noFaces = new Option<bool>("--no-face-metrics") { Description = "Skip the landmark error and CSIM" };
        var inception = new Option<string?>("--inception") { Description = "pytorch-fid's " + FidInceptionV3.WeightsFile + ": also report the FID of each start and shot count (all drawn vs all real held-out frames)" };
        var cmd = new Command("evaluate", "Few-shot test on unseen persons: meta-learned vs from-scratch fine-tuning; L1, SSIM, landmark error and CSIM on held-out frames")
        {
            model, data, shots, steps, heldOut, videos, batch, noScratch, vgg19, preview, csv, models, noFaces, inception,
        };
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            Cli.RequireCpu(parse, "heads evaluate");
            var shotCounts = parse.GetValue(shots)!.Distinct().Order().ToArray();
            if (shotCounts.Length == 0 || shotCounts.Any(k => k is < 1 or > 32)) throw new UsageException("--shots: give shot counts from 1 to 32");
            int stepCount = parse.GetValue(steps), held = parse.GetValue(heldOut), batchSize = parse.GetValue(batch);
            if (stepCount < 1) throw new UsageException("--steps must be at least 1");
            if (held < 1) throw new UsageException("--held-out must be at least 1");
            if (batchSize < 1) throw new UsageException("--batch must be at least 1");
            if (parse.GetValue(videos) is < 1) throw new UsageException("--videos must be at least 1");
            var seed = (int)(parse.GetValue(Cli.Seed) ?? 0);
            var quiet = parse.GetValue(Cli.Quiet);
            var log = quiet ? TextWriter.Null : parse.InvocationConfiguration.Error;
            var checkpoint = HeadsFineTuneCommand.ModelPath(parse.GetValue(model)!);
            // The table's CSV and the previews are checked before any work and appear together at the end, or not at all.
            using var plan = OutputPlan.Begin()
                .Inputs([checkpoint, parse.GetValue(data), parse.GetValue(vgg19), parse.GetValue(inception), parse.GetValue(models)])
                .Folder(parse.GetValue(preview)).File(parse.GetValue(csv), "the figures", ".csv");
            HeadsConfig config;
            using (var probe = HeadsCheckpoint.Load(checkpoint)) config = probe.Config;
            var dataset = HeadsDataset.Open(parse.GetValue(data)!, log: m => log.WriteLine("heads evaluate: " + m), cancel: cancel);
            var tested = dataset.Videos.Take(parse.GetValue(videos) ?? int.MaxValue).ToList();
            if (tested.Count == 0) throw new VivifyException($"{parse.GetValue(data)}: holds no videos to test; give videos of persons in a layout `heads meta-train` reads");
            var starts = parse.GetValue(noScratch) ? new[] { FewShotStart.MetaLearned } : [FewShotStart.MetaLearned, FewShotStart.Scratch];
            using var content = parse.GetValue(vgg19) is { } vgg ? new ContentLoss(config, Stylize.StylizeCheckpoints.LoadVgg19(vgg), null) : null;
            if (content is null) log.WriteLine("heads evaluate: no --vgg19 given: fine-tuning's content loss is the mean absolute pixel difference");
            using var faces = FaceMetrics(parse.GetValue(noFaces), parse.GetValue(models), log);
            using var fid = parse.GetValue(inception) is { } inceptionPath ? FidInceptionV3.Load(inceptionPath) : null;
            var fidDrawn = new Dictionary<(FewShotStart, int), List<Tensor>>();
            var fidReal = new List<Tensor>();

            var results = new List<FewShotResult>();
            Progress.Run(parse, progress =>
            {
                using var task = progress.Start("evaluate", (long)tested.Count * shotCounts.Length * starts.Length * stepCount, "steps");
                foreach (var video in tested)
                {
                    var panels = new List<Tensor>();
                    var labels = new List<string>();
                    try
                    {
                        foreach (var k in shotCounts)
                        {
                            using var split = FewShotSplit.Of(video, k, held, (int)config.ImageSize);
                            if (panels.Count == 0)
                            {
                                if (fid is not null) fidReal.Add(split.TestFrames.clone());
                                using (var landmarks = split.TestLandmarks[0]) panels.Add(landmarks.clone());
                                using (var real = split.TestFrames[0]) panels.Add(real.clone());
                                labels.AddRange(["landmarks", "real"]);
                            }
                            foreach (var start in starts)
                            {
                                using var heads = Fresh(checkpoint, config, start, seed);
                                var r = FewShotEvaluation.Run(heads, start, split, stepCount, content, out var drawn, batchSize, seed, _ => task.Advance(), cancel, faces);
                                results.Add(r);
                                using (drawn)
                                {
                                    using (var first = drawn[0]) panels.Add(first.clone());
                                    if (fid is not null) (fidDrawn.TryGetValue((start, k), out var list) ? list : fidDrawn[(start, k)] = []).Add(drawn.clone());
                                }
                                labels.Add($"{(start == FewShotStart.MetaLearned ? "meta" : "scratch")} K={k}");
                                log.WriteLine($"heads evaluate: {video.Id} {Name(start)} K={k}: held-out L1 {r.L1Before:F4} -> {r.L1:F4}, SSIM {r.Ssim:F4}" +
                                    (faces is null ? "" : $", landmark error {r.LandmarkError:F4}, CSIM {r.Csim:F4}") + $" ({r.Seconds:F1} s)");
                            }
                        }
                        if (parse.GetValue(preview) is { } dir)
                        {
                            Directory.CreateDirectory(dir);
                            using var grid = SideBySide.Compose(panels, Math.Max(128, (int)config.ImageSize), labels);
                            ImageIO.Write(Path.Combine(dir, video.Id.Replace('/', '_') + ".png"), grid);
                        }
                    }
                    finally
                    {
                        foreach (var p in panels) p.Dispose();
                    }
                }
                return 0;
            });
            var fids = fid is null ? new Dictionary<(FewShotStart, int), double>() : Fids(fid, fidDrawn, fidReal, log);
            WriteTable(parse.InvocationConfiguration.Output, results, fids);
            if (parse.GetValue(csv) is { } csvPath) WriteCsv(csvPath, results, fids);
            plan.Commit();
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>
    /// face-api's landmark and recognition networks for the face measures: from --models (which must hold them), else
    /// from the default place when they are there; null when skipped or absent (said in the log).
    /// </summary>
    private static FewShotFaceMetrics? FaceMetrics(bool skip, string? dir, TextWriter log)
    {
        if (skip) return null;
        if (dir is null && !FaceModels.ArePresent(FaceModels.DefaultDirectory()))
        {
            log.WriteLine($"heads evaluate: face-api's networks are not in {FaceModels.DefaultDirectory()} (make setup puts them there): landmark error and CSIM are not measured");
            return null;
        }
        return new FewShotFaceMetrics(FaceModels.Require(dir));
    }

    /// <summary>The FID of each start and shot count: its drawn held-out frames against the real ones, over all videos.</summary>
    private static Dictionary<(FewShotStart, int), double> Fids(FidInceptionV3 net, Dictionary<(FewShotStart, int), List<Tensor>> drawn, List<Tensor> real, TextWriter log)
    {
        try
        {
            using var scope = NewDisposeScope();
            if (real.Sum(t => t.shape[0]) < 2)
            {
                log.WriteLine("heads evaluate: FID needs at least 2 held-out frames in all; give --held-out 2 or more");
                return [];
            }
            var realFeatures = net.Features(cat(real, 0));
            var fids = new Dictionary<(FewShotStart, int), double>();
            foreach (var (key, frames) in drawn)
                fids[key] = FrechetDistance.Distance(net.Features(cat(frames, 0)), realFeatures);
            log.WriteLine($"heads evaluate: FID over {realFeatures.shape[0]} held-out frames per start and shot count (few frames make FID biased upwards: compare runs of equal size only)");
            return fids;
        }
        finally
        {
            foreach (var t in real.Concat(drawn.Values.SelectMany(v => v))) t.Dispose();
        }
    }

    /// <summary>The meta-learned model as saved, or the same configuration freshly initialised (seeded).</summary>
    private static HeadsModel Fresh(string checkpoint, HeadsConfig config, FewShotStart start, int seed)
    {
        if (start == FewShotStart.MetaLearned) return HeadsCheckpoint.Load(checkpoint);
        random.manual_seed(seed);
        return new HeadsModel(config, numVideos: 1);
    }

    private static string Name(FewShotStart start) => start == FewShotStart.MetaLearned ? "meta-learned" : "from scratch";

    private static void WriteTable(TextWriter o, IReadOnlyList<FewShotResult> results, Dictionary<(FewShotStart, int), double> fids)
    {
        var console = TableConsole.For(o);
        var face = results.Any(r => !double.IsNaN(r.Csim));
        // Videos and steps are the same in every row: said in the caption, so that all measures fit 100 columns.
        var table = new Table().AddColumns("start", "shots", "seconds", "L1 before", "L1", "SSIM");
        if (face) table.AddColumns("LM error", "CSIM");
        if (fids.Count > 0) table.AddColumn("FID");
        if (results.Count > 0)
            table.Caption($"means over {results.Select(r => r.Video).Distinct().Count()} videos, {results[0].Steps} fine-tuning steps per run" +
                (face ? "; LM error: landmark error (outer-eye-corner distances)" : ""));
        foreach (var g in results.GroupBy(r => (r.Start, r.Shots)).OrderBy(g => g.Key.Shots).ThenBy(g => g.Key.Start))
        {
            var cells = new List<string> { Name(g.Key.Start), F(g.Key.Shots), g.Sum(r => r.Seconds).ToString("F1", CultureInfo.InvariantCulture),
                Mean(g, r => r.L1Before), Mean(g, r => r.L1), Mean(g, r => r.Ssim) };
            if (face) cells.AddRange([Mean(g, r => r.LandmarkError), Mean(g, r => r.Csim)]);
            if (fids.Count > 0) cells.Add(fids.TryGetValue(g.Key, out var v) ? v.ToString("F2", CultureInfo.InvariantCulture) : "-");
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
    }

    private static string F(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>The mean over the runs where the figure was measured (4 decimals), "-" where none was.</summary>
    private static string Mean(IEnumerable<FewShotResult> runs, Func<FewShotResult, double> figure)
    {
        var values = runs.Select(figure).Where(v => !double.IsNaN(v)).ToList();
        return values.Count == 0 ? "-" : values.Average().ToString("F4", CultureInfo.InvariantCulture);
    }

    private static void WriteCsv(string path, IReadOnlyList<FewShotResult> results, Dictionary<(FewShotStart, int), double> fids)
    {
        using var output = AtomicOutput.ForFile(path);
        var lines = results.Select(r => string.Join(',', r.Video, r.Start == FewShotStart.MetaLearned ? "meta" : "scratch", F(r.Shots), F(r.Steps),
            r.Seconds.ToString("F2", CultureInfo.InvariantCulture), r.L1Before.ToString("F5", CultureInfo.InvariantCulture),
            r.L1.ToString("F5", CultureInfo.InvariantCulture), r.Ssim.ToString("F5", CultureInfo.InvariantCulture),
            r.LandmarkError.ToString("F5", CultureInfo.InvariantCulture), r.Csim.ToString("F5", CultureInfo.InvariantCulture),
            (fids.TryGetValue((r.Start, r.Shots), out var fid) ? fid : double.NaN).ToString("F4", CultureInfo.InvariantCulture)));
        File.WriteAllLines(output.TempPath, lines.Prepend("video,start,shots,steps,seconds,l1_before,l1,ssim,landmark_error,csim,fid"));
        output.Commit();
    }
}
