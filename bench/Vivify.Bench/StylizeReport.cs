using Vivify.Media;
using Vivify.Torch.Modules;
using System.Globalization;
using System.Text;
using Vivify.Stylize;
using static TorchSharp.torch;

namespace Vivify.Bench;

/// <summary>
/// `dotnet run -c Release --project bench/Vivify.Bench -- stylize [--quick] [options]`: keyframe stylization quality
/// versus training wall time, Vivify vs the published code on the same data, machine, threads and budgets, and
/// inference frames per second; writes bench/stylize/results.md. See bench/stylize/README.md.
/// </summary>
public static class StylizeReport
{
    private sealed class Options
    {
        public bool Quick;
        public string Clip = Path.Combine(OpsReport.RepoRoot(), "data", "samples", "Megamind.avi");
        public long Start = 60;
        public int Frames = 30, Width = 328, Height = 240, FpsWidth = 640, FpsHeight = 480, FpsBatch = 4, FpsMinFrames = 8;
        public double FpsMinSeconds = 10;
        public List<int> Keys = [15];
        public List<double> Budgets = [30, 60, 120, 240, 480];
        public int Threads = get_num_threads();
        public long Seed;
        public string? Vgg19 = Environment.GetEnvironmentVariable("VIVIFY_VGG19");
        public string? Published = Environment.GetEnvironmentVariable("FSPBT_PUBLISHED_DIR");
        public string Output = Path.Combine(OpsReport.RepoRoot(), "bench", "stylize", "results.md");
        public bool Keep;
        public bool SinglePass = true;
        public bool Average = true;
    }

    public static int Run(string[] args)
    {
        var o = Parse(args);
        set_num_threads(o.Threads);
        var work = Directory.CreateTempSubdirectory("vivify-bench-stylize-").FullName;
        try
        {
            Console.WriteLine($"stylize bench: preparing {o.Frames} frames of {o.Clip} at {o.Width}x{o.Height} in {work}");
            var frames = StylizeBenchData.Prepare(o.Clip, o.Start, o.Frames, o.Width, o.Height, o.Keys, work);
            var identity = StylizeBenchData.Score(frames, f => Media.ImageIO.Read(f.FramePath));
            var publishedOk = o.Published is not null && File.Exists(Path.Combine(o.Published, "models.py"));
            var variants = new List<(string Name, string? Vgg)> { ("no perceptual term", null) };
            if (o.Vgg19 is not null) variants.Add(("VGG19 perceptual term", o.Vgg19));

            var quality = new List<(string Variant, List<BudgetScore> Ours, List<BudgetScore>? Theirs)>();
            foreach (var (name, vgg) in variants)
            {
                using var perception = vgg is null ? null : new PerceptualVGG19(Vgg19Features.Load(vgg), [0, 3, 5], use_normalization: false);
                var ours = StylizeRuns.Vivify(frames, o.Budgets, perception, o.Seed, o.SinglePass, o.Average);
                var theirs = publishedOk
                    ? StylizeRuns.Published(o.Published!, work, frames, o.Budgets, o.Threads, vgg, o.Seed, Path.Combine(work, "published-" + (vgg is null ? "plain" : "vgg")))
                    : null;
                quality.Add((name, ours, theirs));
            }

            var bf16 = Bf16Matrix();
            var fpsFrames = StylizeBenchData.InferenceFrames(o.Clip, o.Start, o.FpsBatch, o.FpsWidth, o.FpsHeight, Path.Combine(work, "fps-frames"));
            var fps = new List<(string DType, double? Ours, double? Theirs)>();
            foreach (var (dt, st) in bf16 is null ? new[] { ("float32", ScalarType.Float32) } : [("float32", ScalarType.Float32), ("bfloat16", ScalarType.BFloat16)])
            {
                Console.WriteLine($"stylize bench: inference {dt} at {o.FpsWidth}x{o.FpsHeight}, batches of {o.FpsBatch}");
                var ours = StylizeRuns.VivifyFps(o.FpsWidth, o.FpsHeight, o.FpsBatch, st, o.FpsMinFrames, o.FpsMinSeconds, o.Seed, fpsFrames);
                var theirs = publishedOk ? StylizeRuns.PublishedFps(o.Published!, o.FpsWidth, o.FpsHeight, o.FpsBatch, dt, o.Threads, o.FpsMinFrames, o.FpsMinSeconds, o.Seed, fpsFrames) : null;
                fps.Add((dt, ours, theirs));
            }

            var md = Markdown(o, frames, identity, publishedOk, quality, fps, bf16);
            Console.WriteLine(md);
            File.WriteAllText(o.Output, md);
            Console.WriteLine($"written {o.Output}");
            return 0;
        }
        finally
        {
            if (o.Keep) Console.WriteLine($"stylize bench: kept {work}");
            else Directory.Delete(work, true);
        }
    }

    private static string Markdown(Options o, IReadOnlyList<BenchFrame> frames, (double Psnr, double Ssim) identity, bool publishedOk,
        List<(string Variant, List<BudgetScore> Ours, List<BudgetScore>? Theirs)> quality, List<(string DType, double? Ours, double? Theirs)> fps, string? bf16)
    {
        static string F(double? v, string fmt) => v is double d && double.IsFinite(d) ? d.ToString(fmt, CultureInfo.InvariantCulture) : "n/a";
        var md = new StringBuilder();
        md.AppendLine("# bench/stylize results");
        md.AppendLine();
        if (o.Quick)
        {
            md.AppendLine("**Quick smoke run** (`--quick`): tiny frames and budgets on a possibly busy machine; it shows the benchmark works, it is not a measurement.");
            md.AppendLine();
        }
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {OpsReportMachine()}; {o.Threads} threads on both sides; measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        md.AppendLine($"Vivify: TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3)} / libtorch {__version__}. " +
            (publishedOk ? $"Published code: `{o.Published}` (FSPBT_PUBLISHED_DIR) with Debian's python3-torch, through bench/stylize/fspbt_bench.py." :
                "Published code: **absent** (set FSPBT_PUBLISHED_DIR to a checkout of OndrejTexler/Few-Shot-Patch-Based-Training): its columns are n/a."));
        var keys = string.Join(", ", frames.Where(f => f.IsKey).Select(f => f.Index));
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Data: `{Path.GetFileName(o.Clip)}` frames {o.Start}…{o.Start + o.Frames - 1} resized to {o.Width}×{o.Height}; keyframe(s) {keys} (of the {o.Frames} taken); " +
            $"scored on the other {frames.Count(f => !f.IsKey)} frames (mean per-frame PSNR, and SSIM per `ImageMetrics`: Gaussian 11×11 σ 1.5, per RGB channel).");
        md.AppendLine(CultureInfo.InvariantCulture, $"\"Painting\": {StylizeBenchData.FilterDescription}. The input frames scored against it unchanged: PSNR {F(identity.Psnr, "F2")} dB, SSIM {F(identity.Ssim, "F4")}.");
        md.AppendLine("Training: published reference_P (GeneratorJ 7 blocks, filters 32-64-128-128-128-64; DiscriminatorN_IN 12 filters, 2 layers; patch 32, batch 40; Adam lr 0.0004, weight decay 1e-5; " +
            "weights 4·L1 + 0.5·LSGAN [+ 6·VGG]); the same seed on both sides; budgets are cumulative training wall time (patch sampling included, stylizing and scoring excluded). " +
            (o.SinglePass ? "Vivify's trainer as its commands run it, with `SingleGeneratorPass` (one generator forward pass per step where the published step makes two with the same weights; same parameters, batch-norm running statistics equal to rounding; `--two-pass` measures the step written out as published)."
                : "Vivify's trainer with the published step written out literally, two generator forward passes per step (`--two-pass`; its commands make one).") +
            (o.Average ? " Vivify renders with the running average of the generator's weights (`GeneratorAverage`, its default; `--no-average` leaves it out); the PSNR of its last trained weights is shown beside it." : ""));
        md.AppendLine(o.Vgg19 is null
            ? "Perceptual term: **no VGG19 weights file here** (pass `--vgg19 FILE` or VIVIFY_VGG19; the published code's torchvision download is impossible), so both sides train without it, and Vivify with vs without it is not reported."
            : $"Perceptual term: both sides with and without it, weights `{o.Vgg19}`.");
        foreach (var (variant, ours, theirs) in quality)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"## Quality vs training time ({variant})");
            md.AppendLine();
            // With the average, Vivify renders with it (the stylize commands' default): its PSNR is the one compared;
            // the last trained weights (the published tool's way) are shown beside it.
            var avg = ours.Count > 0 && !double.IsNaN(ours[0].AveragePsnr);
            double Rendered(BudgetScore x) => avg ? x.AveragePsnr : x.Psnr;
            md.AppendLine("| budget s | Vivify steps | Vivify PSNR dB | Vivify SSIM |" + (avg ? " Vivify last weights PSNR dB | last weights SSIM |" : "") +
                " published steps | published PSNR dB | published SSIM | PSNR Vivify − published |");
            md.AppendLine("| --- | --- | --- | --- |" + (avg ? " --- | --- |" : "") + " --- | --- | --- | --- |");
            for (var i = 0; i < ours.Count; i++)
            {
                var a = ours[i];
                var b = theirs is not null && i < theirs.Count ? theirs[i] : null;
                md.AppendLine($"| {a.Budget.ToString(CultureInfo.InvariantCulture)} | {a.Steps} | {F(Rendered(a), "F2")} | {F(avg ? a.AverageSsim : a.Ssim, "F4")} |" +
                    (avg ? $" {F(a.Psnr, "F2")} | {F(a.Ssim, "F4")} |" : "") +
                    $" {(b is null ? "n/a" : b.Steps.ToString(CultureInfo.InvariantCulture))} | " +
                    $"{F(b?.Psnr, "F2")} | {F(b?.Ssim, "F4")} | {(b is null ? "n/a" : (Rendered(a) - b.Psnr).ToString("+0.00;-0.00", CultureInfo.InvariantCulture))} |");
            }
            if (theirs is not null && theirs.Count == ours.Count)
            {
                var met = ours.Zip(theirs).Count(p => Rendered(p.First) >= p.Second.Psnr);
                md.AppendLine();
                md.AppendLine(CultureInfo.InvariantCulture, $"Target (Vivify PSNR ≥ published at equal wall time): met at {met} of {ours.Count} budgets.");
            }
        }
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"## Inference ({o.FpsWidth}×{o.FpsHeight}, batches of {o.FpsBatch} frames, reference_P generator in eval mode)");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Both sides stylize the same batch: frames {o.Start}…{o.Start + o.FpsBatch - 1} of `{Path.GetFileName(o.Clip)}` resized to {o.FpsWidth}×{o.FpsHeight} (PNG), in [-1, 1]; the generator's weights are random (seed {o.Seed}), as speed does not depend on them.");
        md.AppendLine();
        md.AppendLine(bf16 is null ? "bf16: this CPU has no bf16 matrix instructions (avx512_bf16 / amx_bf16), so only float32 is measured."
            : $"bf16: the CPU has {bf16}; the whole generator is converted to bfloat16 on both sides.");
        md.AppendLine();
        md.AppendLine("| dtype | Vivify frames/s | published frames/s | Vivify / published |");
        md.AppendLine("| --- | --- | --- | --- |");
        foreach (var (dt, ours, theirs) in fps)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {dt} | {F(ours, "F3")} | {F(theirs, "F3")} | {(ours is double a && theirs is double b ? (a / b).ToString("F2", CultureInfo.InvariantCulture) + "×" : "n/a")} |");
        return md.ToString();
    }

    private static string OpsReportMachine()
    {
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        return $"{model}, {Environment.ProcessorCount} cores, {Bf16Matrix() ?? "no bf16 matrix instructions"}";
    }

    /// <summary>"AMX-BF16" / "AVX512-BF16" when /proc/cpuinfo lists them, else null.</summary>
    private static string? Bf16Matrix()
    {
        var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(':', 2)[1].Split(' ') ?? [];
        return flags.Contains("amx_bf16") ? "AMX-BF16" : flags.Contains("avx512_bf16") ? "AVX512-BF16" : null;
    }

    private static Options Parse(string[] args)
    {
        var o = new Options();
        if (args.Contains("--quick"))
        {
            o.Quick = true;
            (o.Start, o.Frames, o.Width, o.Height, o.Keys, o.Budgets) = (60, 5, 96, 72, [2], [3, 6]);
            (o.FpsWidth, o.FpsHeight, o.FpsBatch, o.FpsMinFrames, o.FpsMinSeconds) = (160, 120, 2, 2, 1);
        }
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{args[i]} needs a value");
            static List<T> List<T>(string s, Func<string, T> f) => s.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(f).ToList();
            int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--quick": break;
                case "--keep": o.Keep = true; break;
                case "--two-pass": o.SinglePass = false; break;
                case "--no-average": o.Average = false; break;
                case "--clip": o.Clip = Next(); break;
                case "--start": o.Start = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--frames": o.Frames = Int(Next()); break;
                case "--size": { var p = Next().Split('x'); (o.Width, o.Height) = (Int(p[0]), Int(p[1])); break; }
                case "--keys": o.Keys = List(Next(), Int); break;
                case "--budgets": o.Budgets = List(Next(), s => double.Parse(s, CultureInfo.InvariantCulture)); break;
                case "--threads": o.Threads = Int(Next()); break;
                case "--seed": o.Seed = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--vgg19": o.Vgg19 = Next(); break;
                case "--published": o.Published = Next(); break;
                case "--fps-size": { var p = Next().Split('x'); (o.FpsWidth, o.FpsHeight) = (Int(p[0]), Int(p[1])); break; }
                case "--fps-batch": o.FpsBatch = Int(Next()); break;
                case "--output": o.Output = Next(); break;
                default: throw new UsageException($"stylize bench: unknown option {args[i]} (see bench/stylize/README.md)");
            }
        }
        for (var i = 1; i < o.Budgets.Count; i++)
            if (o.Budgets[i] <= o.Budgets[i - 1]) throw new UsageException("--budgets must increase (they are cumulative training times)");
        return o;
    }
}
