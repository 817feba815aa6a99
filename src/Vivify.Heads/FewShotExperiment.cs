using Vivify.Faces;
using Vivify.Heads.Data;
using Vivify.Heads.Fid;
using Vivify.Media;
using Vivify.Torch.Modules;
using static TorchSharp.torch;

namespace Vivify.Heads;

/// <summary>The settings of a <see cref="FewShotExperiment"/>.</summary>
public sealed record FewShotExperimentOptions
{
    /// <summary>Shot counts to test (1 to 32 each).</summary>
    public IReadOnlyList<int> Shots { get; init; } = [1, 8];

    /// <summary>Fine-tuning steps per run (the same for every start and shot count).</summary>
    public int Steps { get; init; } = 100;

    /// <summary>Held-out frames per video (its last ones).</summary>
    public int HeldOut { get; init; } = 8;

    /// <summary>Test only the first N videos (null: all).</summary>
    public int? Videos { get; init; }

    /// <summary>Shots per fine-tuning step.</summary>
    public int Batch { get; init; } = 8;

    /// <summary>Also fine-tune the same networks from scratch (the baseline).</summary>
    public bool Scratch { get; init; } = true;

    /// <summary>torchvision's vgg19-dcbb9e9d.pth for the content loss (null: the mean absolute pixel difference stands in).</summary>
    public string? Vgg19Path { get; init; }

    /// <summary>A folder for one PNG per video: landmarks | real | each run's drawing of the first held-out frame (null: none).</summary>
    public string? PreviewDir { get; init; }

    /// <summary>Measure the landmark error and CSIM with face-api's networks.</summary>
    public bool FaceMetrics { get; init; } = true;

    /// <summary>face-api's networks' folder (null: the default place, when they are there).</summary>
    public string? FaceModels { get; init; }

    /// <summary>pytorch-fid's Inception weights (<see cref="FidInceptionV3.WeightsFile"/>): also the FID per start and shot count.</summary>
    public string? InceptionPath { get; init; }

    public int Seed { get; init; }
}

/// <summary>Every run's figures, and the FID per start and shot count when measured.</summary>
public sealed record FewShotExperimentResult(IReadOnlyList<FewShotResult> Runs, IReadOnlyDictionary<(FewShotStart Start, int Shots), double> Fids);

/// <summary>
/// The few-shot experiment on videos of persons the model has not seen (Zakharov et al. Sec. 4): fine-tune the
/// meta-learned model and, at equal steps, the same networks from scratch on K shots of each video, then measure L1 and
/// SSIM of the held-out frames drawn from their landmarks, with face-api's networks (when present) the landmark error
/// and CSIM (<see cref="FewShotFaceMetrics"/>), and with Inception weights the FID.
/// </summary>
public static class FewShotExperiment
{
    /// <summary>Runs the experiment of the model <paramref name="checkpoint"/> (a checkpoint.pth) on the dataset <paramref name="data"/>.</summary>
    public static FewShotExperimentResult Run(string checkpoint, string data, FewShotExperimentOptions? options = null, IProgressReporter? progress = null,
        CancellationToken cancel = default, Action<string>? log = null)
    {
        options ??= new FewShotExperimentOptions();
        log ??= _ => { };
        var shotCounts = options.Shots.Distinct().Order().ToArray();
        if (shotCounts.Length == 0 || shotCounts.Any(k => k is < 1 or > 32)) throw new ArgumentException("shot counts are 1 to 32", nameof(options));
        if (options.Steps < 1 || options.HeldOut < 1 || options.Batch < 1 || options.Videos is < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "steps, held-out frames, batch and videos must each be at least 1");
        HeadsConfig config;
        using (var probe = HeadsCheckpoint.Load(checkpoint)) config = probe.Config;
        var dataset = HeadsDataset.Open(data, log: log, cancel: cancel);
        var tested = dataset.Videos.Take(options.Videos ?? int.MaxValue).ToList();
        if (tested.Count == 0) throw new InvalidInputException(data, $"{data}: holds no videos to test; give videos of persons in a layout meta-training reads");
        var starts = options.Scratch ? new[] { FewShotStart.MetaLearned, FewShotStart.Scratch } : [FewShotStart.MetaLearned];
        using var content = options.Vgg19Path is { } vgg ? new ContentLoss(config, Vgg19Features.Load(vgg), null) : null;
        using var faces = FaceMetrics(options, log);
        using var fid = options.InceptionPath is { } inceptionPath ? FidInceptionV3.Load(inceptionPath) : null;
        var fidDrawn = new Dictionary<(FewShotStart, int), List<Tensor>>();
        var fidReal = new List<Tensor>();
        var results = new List<FewShotResult>();
        try
        {
            using (var task = (progress ?? NoProgress.Instance).Start("evaluate", (long)tested.Count * shotCounts.Length * starts.Length * options.Steps, "steps"))
                foreach (var video in tested)
                {
                    var panels = new List<Tensor>();
                    var labels = new List<string>();
                    try
                    {
                        foreach (var k in shotCounts)
                        {
                            using var split = FewShotSplit.Of(video, k, options.HeldOut, (int)config.ImageSize);
                            if (panels.Count == 0)
                            {
                                if (fid is not null) fidReal.Add(split.TestFrames.clone());
                                using (var landmarks = split.TestLandmarks[0]) panels.Add(landmarks.clone());
                                using (var real = split.TestFrames[0]) panels.Add(real.clone());
                                labels.AddRange(["landmarks", "real"]);
                            }
                            foreach (var start in starts)
                            {
                                using var heads = Fresh(checkpoint, config, start, options.Seed);
                                var r = FewShotEvaluation.Run(heads, start, split, options.Steps, content, out var drawn, options.Batch, options.Seed, _ => task.Advance(), cancel, faces);
                                results.Add(r);
                                using (drawn)
                                {
                                    using (var first = drawn[0]) panels.Add(first.clone());
                                    if (fid is not null) (fidDrawn.TryGetValue((start, k), out var list) ? list : fidDrawn[(start, k)] = []).Add(drawn.clone());
                                }
                                labels.Add($"{(start == FewShotStart.MetaLearned ? "meta" : "scratch")} K={k}");
                                log($"{video.Id} {Name(start)} K={k}: held-out L1 {r.L1Before:F4} -> {r.L1:F4}, SSIM {r.Ssim:F4}" +
                                    (faces is null ? "" : $", landmark error {r.LandmarkError:F4}, CSIM {r.Csim:F4}") + $" ({r.Seconds:F1} s)");
                            }
                        }
                        if (options.PreviewDir is { } dir)
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
            var fids = fid is null ? new Dictionary<(FewShotStart, int), double>() : Fids(fid, fidDrawn, fidReal, log);
            return new FewShotExperimentResult(results, fids);
        }
        finally
        {
            foreach (var t in fidReal.Concat(fidDrawn.Values.SelectMany(v => v))) t.Dispose();
        }
    }

    /// <summary>"meta-learned" or "from scratch".</summary>
    public static string Name(FewShotStart start) => start == FewShotStart.MetaLearned ? "meta-learned" : "from scratch";

    /// <summary>
    /// face-api's landmark and recognition networks for the face measures: from the options' folder (which must hold
    /// them), else from the default place when they are there; null when skipped or absent (said in the log).
    /// </summary>
    private static FewShotFaceMetrics? FaceMetrics(FewShotExperimentOptions options, Action<string> log)
    {
        if (!options.FaceMetrics) return null;
        if (options.FaceModels is null && !FaceModels.ArePresent(FaceModels.DefaultDirectory()))
        {
            log($"face-api's networks are not in {FaceModels.DefaultDirectory()} (make setup puts them there): landmark error and CSIM are not measured");
            return null;
        }
        return new FewShotFaceMetrics(FaceModels.Require(options.FaceModels));
    }

    /// <summary>The FID of each start and shot count: its drawn held-out frames against the real ones, over all videos.</summary>
    private static Dictionary<(FewShotStart, int), double> Fids(FidInceptionV3 net, Dictionary<(FewShotStart, int), List<Tensor>> drawn, List<Tensor> real, Action<string> log)
    {
        using var scope = NewDisposeScope();
        if (real.Sum(t => t.shape[0]) < 2)
        {
            log("FID needs at least 2 held-out frames in all; hold out 2 or more");
            return [];
        }
        var realFeatures = net.Features(cat(real, 0));
        var fids = new Dictionary<(FewShotStart, int), double>();
        foreach (var (key, frames) in drawn)
            fids[key] = FrechetDistance.Distance(net.Features(cat(frames, 0)), realFeatures);
        log($"FID over {realFeatures.shape[0]} held-out frames per start and shot count (few frames make FID biased upwards: compare runs of equal size only)");
        return fids;
    }

    /// <summary>The meta-learned model as saved, or the same configuration freshly initialised (seeded).</summary>
    private static HeadsModel Fresh(string checkpoint, HeadsConfig config, FewShotStart start, int seed)
    {
        if (start == FewShotStart.MetaLearned) return HeadsCheckpoint.Load(checkpoint);
        random.manual_seed(seed);
        return new HeadsModel(config, numVideos: 1);
    }
}
