using System.CommandLine;
using Vivify.Heads;
using Vivify.Media;

namespace Vivify.Cli.Commands;

/// <summary>
/// `vivify heads fine-tune --model RUN_DIR|checkpoint.pth --photos P1 [P2 …] -o PERSON.vhead`: few-shot fine-tuning
/// (Zakharov et al. Sec. 3.3) of a meta-trained talking-head model on 1 to 32 photos or frames of one person, written
/// as a person file for `vivify heads animate` (<see cref="HeadsFineTuning"/>).
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
            if (photoPaths.Length is < 1 or > HeadsFineTuning.MaxPhotos) throw new UsageException($"--photos: give 1 to 32 photos of one person, not {photoPaths.Length}");
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
            var options = new HeadsFineTuneOptions
            {
                Steps = stepCount, Batch = batchSize, Vgg19Path = parse.GetValue(vgg19), VggFacePath = parse.GetValue(vggFace),
                FaceModels = parse.GetValue(models), KeepDiscriminator = !parse.GetValue(noD), Seed = (int)(parse.GetValue(Cli.Seed) ?? 0),
            };
            if (options.Vgg19Path is null)
                log.WriteLine("heads fine-tune: no --vgg19 given: the content loss is the mean absolute pixel difference (the configuration's pixel_weight) instead of the VGG19/VGG-Face distances");
            Progress.Run(parse, progress =>
            {
                HeadsFineTuning.Run(checkpoint, photoPaths, outPath, options, progress, cancel, m => log.WriteLine("heads fine-tune: " + m));
                return 0;
            });
            plan.Commit();
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>RUN_DIR → RUN_DIR/checkpoint.pth; a file as it is (the message naming the command that makes one).</summary>
    internal static string ModelPath(string model)
    {
        if (Directory.Exists(model) && !File.Exists(Path.Combine(model, HeadsCheckpoint.FileName)))
            throw new VivifyException($"{model}: the run directory has no {HeadsCheckpoint.FileName}; train with `vivify heads meta-train --out {model}` first");
        if (!Directory.Exists(model) && !File.Exists(model))
            throw new VivifyException($"{model}: no such model; pass the RUN_DIR of `vivify heads meta-train` or its {HeadsCheckpoint.FileName}");
        return HeadsFineTuning.ModelPath(model);
    }
}
