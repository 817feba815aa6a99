using System.CommandLine;
using Vivify.Faces;
using Vivify.Heads;
using Vivify.Media;
using Vivify.Stylize;
using static TorchSharp.torch;

namespace Vivify.Cli.Commands;

/// <summary>
/// `vivify heads fine-tune --model RUN_DIR|checkpoint.pth --photos P1 [P2 …] -o PERSON.vhead`: few-shot fine-tuning
/// (Zakharov et al. Sec. 3.3) of a meta-trained talking-head model on 1 to 32 photos or frames of one person, written
/// as a person file for `vivify heads animate`.
/// </summary>
public static class HeadsFineTuneCommand
{
    public static void AddTo(Command heads) => heads.Subcommands.Add(Create());

    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "A meta-trained model: the RUN_DIR of `vivify heads meta-train`, or its checkpoint.pth", Required = true };
        var photos = new Option<string[]>("--photos", "-p") { Description = "1 to 32 photos or frames of one person (the largest face of each is used)", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--output", "-o") { Description = "The person file to write (PERSON.vhead)", Required = true };
        var steps = new Option<int?>("--steps") { Description = "Fine-tuning steps (default: 40 passes over the photos, batches of --batch)" };
        var batch = new Option<int>("--batch") { Description = "Photos per step", DefaultValueFactory = _ => 8 };
        var vgg19 = new Option<string?>("--vgg19") { Description = "torchvision's vgg19-dcbb9e9d.pth for the content loss (without it, the mean absolute pixel difference stands in)" };
        var vggFace = new Option<string?>("--vggface") { Description = "VGG-Face weights for the content loss's face term (with --vgg19)" };
        var models = new Option<string?>("--models") { Description = "Directory of the face-api networks (default: data/face-api/model, or VIVIFY_FACE_MODELS)" };
        var noD = new Option<bool>("--no-discriminator") { Description = "Leave the fine-tuned discriminator out of the person file (smaller; animate does not need it)" };
        var cmd = new Command("fine-tune", "Fine-tune a meta-trained talking-head model on 1 to 32 photos of one person") { model, photos, output, steps, batch, vgg19, vggFace, models, noD };
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            Cli.RequireCpu(parse, "heads fine-tune");
            var outPath = parse.GetValue(output)!;
            if (!outPath.EndsWith(HeadsPersonFile.Extension, StringComparison.OrdinalIgnoreCase))
                throw new UsageException($"{outPath}: name the person file with the extension {HeadsPersonFile.Extension}");
            var photoPaths = parse.GetValue(photos)!;
            if (photoPaths.Length is < 1 or > 32) throw new UsageException($"--photos: give 1 to 32 photos of one person, not {photoPaths.Length}");
            foreach (var p in photoPaths)
                if (!File.Exists(p)) throw new UsageException($"{p}: no such photo");
            var stepCount = parse.GetValue(steps);
            if (stepCount is < 1) throw new UsageException("--steps must be at least 1");
            var batchSize = parse.GetValue(batch);
            if (batchSize < 1) throw new UsageException("--batch must be at least 1");
            if (parse.GetValue(vggFace) is not null && parse.GetValue(vgg19) is null) throw new UsageException("--vggface adds to the VGG19 content loss; give --vgg19 too");
            var log = parse.GetValue(Cli.Quiet) ? TextWriter.Null : parse.InvocationConfiguration.Error;
            var checkpoint = ModelPath(parse.GetValue(model)!);
            using var plan = OutputPlan.Begin()
                .Inputs([checkpoint, parse.GetValue(vgg19), parse.GetValue(vggFace), parse.GetValue(models), .. photoPaths])
                .File(outPath, "a person file", HeadsPersonFile.Extension);
            var faceDir = FaceModels.Require(parse.GetValue(models));

            using var heads = HeadsCheckpoint.Load(checkpoint);
            var size = heads.Config.ImageSize;
            using var analyzer = new FaceAnalyzer(faceDir);
            using var recognition = File.Exists(Path.Combine(faceDir, FaceRecognitionNet.ModelName + "-weights_manifest.json")) ? FaceRecognitionNet.Load(faceDir) : null;
            using var shots = FineTuneShots.FromPhotos(photoPaths, size, analyzer, recognition);
            using var content = ContentFor(heads.Config, parse.GetValue(vgg19), parse.GetValue(vggFace), log);
            using var tuner = new FineTuner(heads, shots.Frames, shots.LandmarkImages, content, batchSize, (int)(parse.GetValue(Cli.Seed) ?? 0));
            var total = stepCount ?? 40 * (int)Math.Ceiling(photoPaths.Length / (double)tuner.BatchSize);
            var before = tuner.ReconstructionL1();
            var done = 0;

            // The person file with the steps taken (all, or those before an interruption).
            void Save()
            {
                var after = tuner.ReconstructionL1();
                using var psi = tuner.PsiPrime.detach().clone();
                using var mean = FaceCrop.ToTensor(shots.MeanLandmarks());
                var person = new HeadsPerson(heads.Config, heads.Generator, psi, mean)
                {
                    Discriminator = parse.GetValue(noD) ? null : heads.Discriminator,
                    WPrime = parse.GetValue(noD) ? null : tuner.WPrime,
                    FaceDescriptor = shots.FaceDescriptor,
                    Metadata = new()
                    {
                        ["model"] = Path.GetFullPath(checkpoint),
                        ["model_step"] = heads.Step,
                        ["shots"] = (long)photoPaths.Length,
                        ["photos"] = photoPaths.Select(Path.GetFileName).Cast<object?>().ToList(),
                        ["steps"] = (long)done,
                        ["l1_before"] = before,
                        ["l1_after"] = after,
                        ["created"] = DateTime.UtcNow.ToString("o"),
                    },
                };
                HeadsPersonFile.Save(outPath, person); // the networks stay the model's: disposed with it
                log.WriteLine($"heads fine-tune: {Counted.Of(photoPaths.Length, "photo")}, {Counted.Of(done, "step")}{(done < total ? $" of {total} (interrupted)" : "")}; " +
                    $"L1 on the photos {before:F4} -> {after:F4}; wrote {outPath}");
            }

            try
            {
                Progress.Run(parse, progress =>
                {
                    using var task = progress.Start("fine-tune", total, "steps");
                    for (; done < total; done++)
                    {
                        cancel.ThrowIfCancellationRequested();
                        var last = tuner.Step();
                        task.Status($"G {last.Generator:F3} (cnt {last.Content:F3} adv {last.Adversarial:F3} fm {last.FeatureMatching:F3}) D {last.Discriminator:F3}");
                        task.Advance();
                    }
                    return 0;
                });
                cancel.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException) when (done > 0)
            {
                Save(); // fine-tuning is training: the steps taken are kept
                throw;
            }
            Save();
            plan.Commit();
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>RUN_DIR → RUN_DIR/checkpoint.pth; a file as it is.</summary>
    internal static string ModelPath(string model)
    {
        if (Directory.Exists(model))
        {
            var inRun = Path.Combine(model, HeadsCheckpoint.FileName);
            if (!File.Exists(inRun)) throw new VivifyException($"{model}: the run directory has no {HeadsCheckpoint.FileName}; train with `vivify heads meta-train --out {model}` first");
            return inRun;
        }
        if (!File.Exists(model)) throw new VivifyException($"{model}: no such model; pass the RUN_DIR of `vivify heads meta-train` or its {HeadsCheckpoint.FileName}");
        return model;
    }

    private static ContentLoss? ContentFor(HeadsConfig config, string? vgg19, string? vggFace, TextWriter log)
    {
        if (vgg19 is null)
        {
            log.WriteLine($"heads fine-tune: no --vgg19 given: the content loss is the mean absolute pixel difference (weight {config.PixelWeight}) instead of the VGG19/VGG-Face distances");
            return null;
        }
        return new ContentLoss(config, StylizeCheckpoints.LoadVgg19(vgg19), vggFace is null ? null : VggFaceFeatures.Load(vggFace), m => log.WriteLine("heads fine-tune: " + m));
    }
}
