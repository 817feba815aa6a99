using Vivify.Faces;
using Vivify.Torch.Modules;

namespace Vivify.Heads;

/// <summary>How <see cref="HeadsFineTuning.Run"/> fine-tunes.</summary>
public sealed record HeadsFineTuneOptions
{
    /// <summary>Fine-tuning steps (default: 40 passes over the photos in batches of <see cref="Batch"/>).</summary>
    public int? Steps { get; init; }

    /// <summary>Photos per step.</summary>
    public int Batch { get; init; } = 8;

    /// <summary>torchvision's vgg19-dcbb9e9d.pth for the content loss; without it the mean absolute pixel difference (weight pixel_weight of the configuration) stands in.</summary>
    public string? Vgg19Path { get; init; }

    /// <summary>VGG-Face weights for the content loss's face term (needs <see cref="Vgg19Path"/>).</summary>
    public string? VggFacePath { get; init; }

    /// <summary>The face-api networks' folder (default: <see cref="Vivify.Faces.FaceModels.Require"/>'s).</summary>
    public string? FaceModels { get; init; }

    /// <summary>Keep the fine-tuned discriminator in the person file (animation does not need it).</summary>
    public bool KeepDiscriminator { get; init; } = true;

    public int Seed { get; init; }
}

/// <summary>What a fine-tuning wrote.</summary>
public sealed record HeadsFineTuneResult(string PersonFile, int Photos, int Steps, int PlannedSteps, double L1Before, double L1After)
{
    /// <summary>Whether it stopped (cancelled) before <see cref="PlannedSteps"/>.</summary>
    public bool Interrupted => Steps < PlannedSteps;
}

/// <summary>
/// Few-shot fine-tuning (Zakharov et al. Sec. 3.3) of a meta-trained model on 1 to 32 photos of one person, written as
/// a person file (<see cref="HeadsPersonFile"/>) that <see cref="HeadsAnimator"/> animates.
/// </summary>
public static class HeadsFineTuning
{
    /// <summary>The most photos fine-tuning takes.</summary>
    public const int MaxPhotos = 32;

    /// <summary>A meta-training run folder → its checkpoint.pth; a file as it is.</summary>
    public static string ModelPath(string model)
    {
        if (Directory.Exists(model))
        {
            var inRun = Path.Combine(model, HeadsCheckpoint.FileName);
            if (!File.Exists(inRun)) throw new InvalidInputException(model, $"{model}: the run directory has no {HeadsCheckpoint.FileName}; meta-train a model into it first");
            return inRun;
        }
        if (!File.Exists(model)) throw new InvalidInputException(model, $"{model}: no such model; give a meta-training run directory or its {HeadsCheckpoint.FileName}");
        return model;
    }

    /// <summary>
    /// Fine-tunes the model <paramref name="model"/> (a run directory or its checkpoint) on <paramref name="photos"/> and
    /// writes <paramref name="output"/>. Cancelled after some steps, it writes the person file with the steps taken
    /// (fine-tuning is training: finished work is kept), logs so, and rethrows.
    /// </summary>
    public static HeadsFineTuneResult Run(string model, IReadOnlyList<string> photos, string output, HeadsFineTuneOptions? options = null,
        IProgressReporter? progress = null, CancellationToken cancel = default, Action<string>? log = null)
    {
        options ??= new HeadsFineTuneOptions();
        log ??= _ => { };
        if (photos.Count is < 1 or > MaxPhotos) throw new ArgumentException($"fine-tuning takes 1 to {MaxPhotos} photos of one person, not {photos.Count}", nameof(photos));
        foreach (var p in photos)
            if (!File.Exists(p)) throw new InvalidInputException(p, $"{p}: no such photo");
        if (options.Steps is < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Steps, "fine-tuning needs at least 1 step");
        if (options.Batch < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Batch, "a batch needs at least 1 photo");
        if (options.VggFacePath is not null && options.Vgg19Path is null) throw new ArgumentException("the VGG-Face term adds to the VGG19 content loss; give VGG19's weights too", nameof(options));
        var checkpoint = ModelPath(model);
        var faceDir = Faces.FaceModels.Require(options.FaceModels);

        using var heads = HeadsCheckpoint.Load(checkpoint);
        var size = heads.Config.ImageSize;
        using var analyzer = new FaceAnalyzer(faceDir);
        using var recognition = File.Exists(Path.Combine(faceDir, FaceRecognitionNet.ModelName + "-weights_manifest.json")) ? FaceRecognitionNet.Load(faceDir) : null;
        using var shots = FineTuneShots.FromPhotos(photos, size, analyzer, recognition);
        using var content = Content(heads.Config, options, log);
        using var tuner = new FineTuner(heads, shots.Frames, shots.LandmarkImages, content, options.Batch, options.Seed);
        var total = options.Steps ?? 40 * (int)Math.Ceiling(photos.Count / (double)tuner.BatchSize);
        var before = tuner.ReconstructionL1();
        var done = 0;

        // The person file with the steps taken (all, or those before an interruption).
        HeadsFineTuneResult Save()
        {
            var after = tuner.ReconstructionL1();
            using var psi = tuner.PsiPrime.detach().clone();
            using var mean = FaceCrop.ToTensor(shots.MeanLandmarks());
            var person = new HeadsPerson(heads.Config, heads.Generator, psi, mean)
            {
                Discriminator = options.KeepDiscriminator ? heads.Discriminator : null,
                WPrime = options.KeepDiscriminator ? tuner.WPrime : null,
                FaceDescriptor = shots.FaceDescriptor,
                Metadata = new()
                {
                    ["model"] = Path.GetFullPath(checkpoint),
                    ["model_step"] = heads.Step,
                    ["shots"] = (long)photos.Count,
                    ["photos"] = photos.Select(Path.GetFileName).Cast<object?>().ToList(),
                    ["steps"] = (long)done,
                    ["l1_before"] = before,
                    ["l1_after"] = after,
                    ["created"] = DateTime.UtcNow.ToString("o"),
                },
            };
            HeadsPersonFile.Save(output, person); // the networks stay the model's: disposed with it
            var result = new HeadsFineTuneResult(output, photos.Count, done, total, before, after);
            log($"{Counted.Of(photos.Count, "photo")}, {Counted.Of(done, "step")}{(result.Interrupted ? $" of {total} (interrupted)" : "")}; " +
                $"L1 on the photos {before:F4} -> {after:F4}; wrote {output}");
            return result;
        }

        try
        {
            using var task = (progress ?? NoProgress.Instance).Start("fine-tune", total, "steps");
            for (; done < total; done++)
            {
                cancel.ThrowIfCancellationRequested();
                var last = tuner.Step();
                task.Status($"G {last.Generator:F3} (cnt {last.Content:F3} adv {last.Adversarial:F3} fm {last.FeatureMatching:F3}) D {last.Discriminator:F3}");
                task.Advance();
            }
        }
        catch (OperationCanceledException) when (done > 0)
        {
            Save();
            throw;
        }
        cancel.ThrowIfCancellationRequested();
        return Save();
    }

    /// <summary>The content loss: VGG19 (and VGG-Face) when given, else null (the pixel L1 of weight pixel_weight stands in).</summary>
    private static ContentLoss? Content(HeadsConfig config, HeadsFineTuneOptions options, Action<string> log)
    {
        if (options.Vgg19Path is null) return null;
        return new ContentLoss(config, Vgg19Features.Load(options.Vgg19Path), options.VggFacePath is null ? null : VggFaceFeatures.Load(options.VggFacePath), log);
    }
}
