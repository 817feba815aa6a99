using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Vivify.Media;
using Vivify.Stylize;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Cli.Commands;

/// <summary>
/// `vivify stylize search`: the paper's hyperparameter grid search. Every setting of patch size × batch size ×
/// learning rate × residual blocks trains from the same seed for the same wall time on the painted keyframes, then
/// stylizes a held-out frame whose painting is given; a table of PSNR/SSIM and the best setting are printed.
/// </summary>
public static class StylizeSearchCommand
{
    public static Command Create()
    {
        var video = new Option<string>("--video") { Description = "The video (or directory of numbered frames) the paintings belong to", Required = true };
        var key = new Option<string[]>("--key") { Description = "A painted keyframe to train on: N=PAINTED.png (frame N, 0-based); repeat for more", Required = true, Arity = ArgumentArity.OneOrMore };
        var holdout = new Option<string>("--holdout") { Description = "The painted frame that scores each setting (not trained on): M=PAINTED.png", Required = true };
        var seconds = new Option<double>("--seconds") { Description = "Training wall time per setting", DefaultValueFactory = _ => 20 };
        var grid = new SearchGrid();
        var patch = new Option<string>("--patch-sizes") { Description = "Patch sizes to try", DefaultValueFactory = _ => Join(grid.PatchSizes) };
        var batch = new Option<string>("--batch-sizes") { Description = "Batch sizes to try", DefaultValueFactory = _ => Join(grid.BatchSizes) };
        var lr = new Option<string>("--learning-rates") { Description = "Adam learning rates to try (generator and discriminator)", DefaultValueFactory = _ => Join(grid.LearningRates) };
        var blocks = new Option<string>("--resnet-blocks") { Description = "Numbers of generator residual blocks to try", DefaultValueFactory = _ => Join(grid.ResnetBlocks) };
        var config = new Option<string?>("--config") { Description = "Base training configuration (published YAML layout; default: reference_P)" };
        var vgg = new Option<string?>("--vgg19") { Description = "torchvision's vgg19-dcbb9e9d.pth for the perceptual term (default: $VIVIFY_VGG19; without it the term is left out)" };
        var bestOut = new Option<string?>("--best-config") { Description = "Write the base configuration with the best setting to this YAML file" };
        var cmd = new Command("search", "Grid-search patch size, batch size, learning rate and residual blocks at equal training time, scored on a held-out painted frame")
        {
            video, key, holdout, seconds, patch, batch, lr, blocks, config, vgg, bestOut,
        };
        cmd.SetAction((parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            Cli.RequireCpu(parse, "stylize search");
            var searchGrid = new SearchGrid
            {
                PatchSizes = ParseList(parse.GetValue(patch)!, "--patch-sizes", s => int.Parse(s, CultureInfo.InvariantCulture)),
                BatchSizes = ParseList(parse.GetValue(batch)!, "--batch-sizes", s => int.Parse(s, CultureInfo.InvariantCulture)),
                LearningRates = ParseList(parse.GetValue(lr)!, "--learning-rates", s => double.Parse(s, CultureInfo.InvariantCulture)),
                ResnetBlocks = ParseList(parse.GetValue(blocks)!, "--resnet-blocks", s => int.Parse(s, CultureInfo.InvariantCulture)),
            };
            var settings = searchGrid.Settings();
            var vggPath = parse.GetValue(vgg) ?? Environment.GetEnvironmentVariable("VIVIFY_VGG19");
            using var plan = OutputPlan.Begin()
                .Inputs([parse.GetValue(video), parse.GetValue(config), vggPath, .. parse.GetValue(key)!.Append(parse.GetValue(holdout)!).Select(PaintingOf)])
                .File(parse.GetValue(bestOut), "a configuration", ".yaml", ".yml");
            var perSetting = parse.GetValue(seconds);
            if (!(perSetting > 0)) throw new UsageException("--seconds must be positive");
            var baseConfig = parse.GetValue(config) is { } path ? StylizeConfig.Load(path) : StylizeConfig.Parse(TimedTraining.ReferencePYaml, "reference_P");
            var o = parse.InvocationConfiguration.Output;

            using var scope = NewDisposeScope();
            var src = VideoSource.Open(parse.GetValue(video)!);
            var keyframes = parse.GetValue(key)!.Select(k =>
            {
                var (frame, painted) = ReadPair(src, k, "--key");
                return new Keyframe(frame * S(2) - S(1), painted * S(2) - S(1));
            }).ToList();
            var holdoutSpec = parse.GetValue(holdout)!;
            var keyFrames = parse.GetValue(key)!.Select(k => k.Split('=')[0].TrimStart('0')).ToHashSet();
            if (keyFrames.Contains(holdoutSpec.Split('=')[0].TrimStart('0')))
                throw new UsageException($"--holdout {holdoutSpec}: that frame is also a --key, so it would not be held out; score on a frame the network does not train on");
            var (holdFrame, holdPainted) = ReadPair(src, holdoutSpec, "--holdout");
            using var perception = vggPath is null ? null
                : new PerceptualVGG19(StylizeCheckpoints.LoadVgg19(vggPath), baseConfig.PerceptionLoss.PerceptionModel.Args.FeatureLayers,
                    baseConfig.PerceptionLoss.PerceptionModel.Args.UseNormalization);
            if (!parse.GetValue(Cli.Quiet))
                o.WriteLine($"{settings.Count} settings × {perSetting.ToString("0.##", CultureInfo.InvariantCulture)} s; perceptual term: " +
                    (perception is null ? "off (no --vgg19 or VIVIFY_VGG19)" : $"on ({vggPath})"));

            var results = Progress.Run(parse, progress =>
            {
                using var task = progress.Start("search", settings.Count, "settings");
                return StylizeSearch.Run(baseConfig, keyframes, holdFrame * S(2) - S(1), holdPainted, searchGrid, perSetting, perception,
                    parse.GetValue(Cli.Seed) ?? 0, onResult: _ => task.Advance(), cancel: cancel);
            });
            var best = StylizeSearch.Best(results);
            WriteTable(o, results, best);
            o.WriteLine($"best: {best.Setting} (PSNR {best.Psnr:F2} dB, SSIM {best.Ssim:F4})");
            if (parse.GetValue(bestOut) is { } outPath)
            {
                var yaml = new SerializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build()
                    .Serialize(StylizeSearch.ConfigFor(baseConfig, best.Setting));
                using (var output = AtomicOutput.ForFile(outPath)) { File.WriteAllText(output.TempPath, yaml); output.Commit(); }
                o.WriteLine($"written {outPath}");
            }
            plan.Commit();
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static void WriteTable(TextWriter o, IReadOnlyList<SearchResult> results, SearchResult best)
    {
        var console = TableConsole.For(o);
        var table = new Table().AddColumns("patch", "batch", "lr", "blocks", "steps", "seconds", "PSNR dB", "SSIM");
        foreach (var r in results.OrderByDescending(r => r.Psnr).ThenByDescending(r => r.Ssim))
        {
            string[] cells =
            [
                r.Setting.PatchSize.ToString(CultureInfo.InvariantCulture), r.Setting.BatchSize.ToString(CultureInfo.InvariantCulture),
                r.Setting.LearningRate.ToString("G", CultureInfo.InvariantCulture), r.Setting.ResnetBlocks.ToString(CultureInfo.InvariantCulture),
                r.Steps.ToString(CultureInfo.InvariantCulture), r.Seconds.ToString("F1", CultureInfo.InvariantCulture),
                r.Psnr.ToString("F2", CultureInfo.InvariantCulture), r.Ssim.ToString("F4", CultureInfo.InvariantCulture),
            ];
            table.AddRow(cells.Select(c => ReferenceEquals(r, best) ? $"[bold]{c}[/]" : c).ToArray());
        }
        console.Write(table);
    }

    /// <summary>The picture of "N=PAINTED" (the whole text when it is not of that form, which reading it reports).</summary>
    private static string PaintingOf(string spec) => spec.IndexOf('=') is > 0 and var eq ? spec[(eq + 1)..] : spec;

    /// <summary>"N=PAINTED": frame N of the video and the painting, both [3,H,W] in [0,1] and of the same size.</summary>
    private static (Tensor Frame, Tensor Painted) ReadPair(VideoSource src, string spec, string option)
    {
        var eq = spec.IndexOf('=');
        if (eq <= 0 || !long.TryParse(spec[..eq], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            throw new UsageException($"{option} '{spec}' is not N=PAINTED (a frame number, '=', a picture)");
        var paintedPath = spec[(eq + 1)..];
        if (n >= src.Info.FrameCount && src.Info.FrameCount > 0)
            throw new UsageException($"{option} '{spec}': the video has {src.Info.FrameCount} frames (0…{src.Info.FrameCount - 1}); choose one of them");
        var frame = src.ReadFrame(n).ToTensor();
        var painted = ImageIO.Read(paintedPath);
        if (!painted.shape.SequenceEqual(frame.shape))
            throw new UsageException($"{paintedPath}: is {painted.shape[2]}×{painted.shape[1]} but frame {n} is {frame.shape[2]}×{frame.shape[1]}: paint over the frame at its size");
        return (frame, painted);
    }

    private static IReadOnlyList<T> ParseList<T>(string text, string option, Func<string, T> parse)
    {
        try
        {
            var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(parse).ToList();
            if (items.Count == 0) throw new UsageException($"{option} needs at least one value");
            return items;
        }
        catch (FormatException) { throw new UsageException($"{option} '{text}' is not a comma-separated list of numbers"); }
        catch (OverflowException) { throw new UsageException($"{option} '{text}' holds a number out of range"); }
    }

    private static string Join<T>(IEnumerable<T> values) where T : IFormattable =>
        string.Join(",", values.Select(v => v.ToString(null, CultureInfo.InvariantCulture)));
}
