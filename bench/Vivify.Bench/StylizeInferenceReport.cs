using System.Globalization;
using System.Text;
using static TorchSharp.torch;

namespace Vivify.Bench;

/// <summary>
/// bench/stylize inference alone (`stylize-inference`): frames per second of the reference_P generator in eval mode,
/// Vivify (FullFrame.Stylize) against the published GeneratorJ (bench/stylize/fspbt_bench.py --fps), on the same frames of
/// each clip at 640×480, float32 and bfloat16, in alternating rounds. Writes bench/stylize/inference.md.
/// </summary>
public static class StylizeInferenceReport
{
    public static int Run(string[] args)
    {
        var root = OpsReport.RepoRoot();
        var quick = args.Contains("--quick");
        var clips = BenchArgs.Value(args, "--clips")?.Split(',') ?? ["Megamind.avi", "vtest.avi"];
        var rounds = BenchArgs.PositiveInt(args, "--rounds", quick ? 1 : 2);
        var output = BenchArgs.Value(args, "--output") ?? Path.Combine(root, "bench", "stylize", "inference.md");
        var (width, height, batch, seconds) = quick ? (160, 120, 2, 1.0) : (640, 480, 4, 10.0);
        var threads = get_num_threads();
        var published = Environment.GetEnvironmentVariable("FSPBT_PUBLISHED_DIR");
        var publishedOk = published is not null && File.Exists(Path.Combine(published, "models.py"));
        var dtypes = new List<(string Name, ScalarType Type)> { ("float32", ScalarType.Float32) };
        if (File.ReadLines("/proc/cpuinfo").Any(l => l.StartsWith("flags", StringComparison.Ordinal) && (l.Contains(" avx512_bf16") || l.Contains(" amx_bf16"))))
            dtypes.Add(("bfloat16", ScalarType.BFloat16));
        var work = Directory.CreateTempSubdirectory("vivify-bench-stylize-fps-").FullName;
        var md = new StringBuilder("# bench/stylize: inference speed\n\n");
        if (quick) md.AppendLine("**Smoke run (`--quick`): small frames, one short round; not a measurement.**\n");
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {OpsReport.Machine()}; {threads} threads on both sides; measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load average (1, 5, 15 min) before: {OpsReport.LoadAverage()}.");
        md.AppendLine($"Vivify: TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3)} / libtorch {__version__}, `FullFrame.Stylize` (GeneratorJInference). " +
            (publishedOk ? $"Published: models.GeneratorJ from `{published}` (FSPBT_PUBLISHED_DIR) under Debian's python3-torch, through bench/stylize/fspbt_bench.py --fps." : "Published: **not measured** (FSPBT_PUBLISHED_DIR unset)."));
        md.AppendLine(CultureInfo.InvariantCulture, $"reference_P generator (7 residual blocks, filters 32-64-128-128-128-64), random weights, eval mode, no gradients; one batch of {batch} frames of each clip " +
            $"(from frame 60, resized to {width}×{height}, PNG, in [-1, 1]) stylized again and again for at least {seconds} s per measurement; {rounds} alternating round(s), mean frames/s.");
        md.AppendLine();
        md.AppendLine("| clip | dtype | Vivify frames/s | published frames/s | Vivify / published |");
        md.AppendLine("| --- | --- | --- | --- | --- |");
        try
        {
            foreach (var clip in clips)
            {
                var path = Path.IsPathRooted(clip) ? clip : Path.Combine(root, "data", "samples", clip);
                var frames = StylizeBenchData.InferenceFrames(path, 60, batch, width, height, Path.Combine(work, Path.GetFileNameWithoutExtension(clip)));
                foreach (var (name, type) in dtypes)
                {
                    var ours = new List<double>();
                    var theirs = new List<double>();
                    for (var r = 0; r < rounds; r++)
                    {
                        if (StylizeRuns.VivifyFps(width, height, batch, type, 2 * batch, seconds, 0, frames) is double a) ours.Add(a);
                        if (publishedOk && StylizeRuns.PublishedFps(published!, width, height, batch, name, threads, 2 * batch, seconds, 0, frames) is double b) theirs.Add(b);
                        Console.WriteLine($"{clip} {name} round {r + 1}: Vivify {(ours.Count > r ? ours[r] : double.NaN):F3}, published {(theirs.Count > r ? theirs[r] : double.NaN):F3} frames/s");
                    }
                    string F(List<double> v) => v.Count == 0 ? "n/a" : v.Average().ToString("F3", CultureInfo.InvariantCulture);
                    var ratio = ours.Count > 0 && theirs.Count > 0 ? (ours.Average() / theirs.Average()).ToString("F2", CultureInfo.InvariantCulture) + "×" : "n/a";
                    md.AppendLine(CultureInfo.InvariantCulture, $"| {Path.GetFileName(path)} | {name} | {F(ours)} | {F(theirs)} | {ratio} |");
                }
            }
        }
        finally { Directory.Delete(work, recursive: true); }
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Load average after: {OpsReport.LoadAverage()} ({Environment.ProcessorCount} cores; above about 2 the machine was shared with other work while measuring).");
        var text = md.ToString();
        Console.WriteLine(text);
        File.WriteAllText(output, text);
        Console.WriteLine($"written {output}");
        return 0;
    }
}
