using TorchSharp;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Vivify.Media;
using Vivify.Stylize;
using static TorchSharp.torch;

namespace Vivify.Bench;

/// <summary>Quality of one side after one training budget: steps so far, training seconds so far, mean PSNR/SSIM.</summary>
public sealed record BudgetScore(double Budget, long Steps, double TrainSeconds, double Psnr, double Ssim, double AveragePsnr = double.NaN, double AverageSsim = double.NaN);

/// <summary>The two sides of bench/stylize: Vivify in process, the published code through bench/stylize/fspbt_bench.py.</summary>
public static class StylizeRuns
{
    /// <summary>
    /// Trains reference_P on the keyframes, cumulatively, up to each budget (seconds of training wall time; the clock
    /// stops while frames are stylized and scored), and scores all other frames after each.
    /// </summary>
    public static List<BudgetScore> Vivify(IReadOnlyList<BenchFrame> frames, IReadOnlyList<double> budgets, PerceptualVGG19? perception, long seed, bool singlePass,
        bool average = false)
    {
        var config = StylizeConfig.Parse(TimedTraining.ReferencePYaml, "reference_P");
        var keys = frames.Where(f => f.IsKey)
            .Select(f => new Keyframe(ImageIO.Read(f.FramePath) * 2 - 1, ImageIO.Read(f.TruthPath) * 2 - 1)).ToList();
        manual_seed(seed);
        var (g, d) = TimedTraining.BuildModels(config, 3);
        using var generator = g;
        using var discriminator = d;
        using var ema = average ? new GeneratorAverage(generator, new GeneratorJ(config.Generator.Args)) : null;
        using var trainer = new StylizeTrainer(generator, discriminator, perception, config) { SingleGeneratorPass = singlePass };
        var sampler = new PatchSampler(keys, config.TrainingDataset.PatchSize, seed: (int)seed);
        var scores = new List<BudgetScore>();
        double spent = 0;
        long steps = 0;
        foreach (var budget in budgets)
        {
            var (s, t) = TimedTraining.Train(trainer, sampler, config.Trainer.BatchSize, budget - spent, afterStep: ema is null ? null : ema.Update);
            steps += s;
            spent += t;
            (double, double) Score(GeneratorJ model) => StylizeBenchData.Score(frames, f =>
            {
                var pre = ImageIO.Read(f.FramePath) * 2 - 1;
                return Keyframe.ToImageSpace(FullFrame.Stylize(model, pre.unsqueeze(0))[0]).to(float32) / 255;
            });
            var (psnr, ssim) = Score(generator);
            var (avgPsnr, avgSsim) = ema is null ? (double.NaN, double.NaN) : Score(ema.Model);
            scores.Add(new BudgetScore(budget, steps, spent, psnr, ssim, avgPsnr, avgSsim));
            Console.WriteLine($"stylize bench: Vivify{(perception is null ? "" : " +VGG")} {budget} s: {steps} steps, PSNR {psnr:F2} dB, SSIM {ssim:F4}" +
                (ema is null ? "" : $"; averaged generator PSNR {avgPsnr:F2} dB, SSIM {avgSsim:F4}"));
        }
        return scores;
    }

    /// <summary>The published code on the same files, budgets, threads and seed; null when it could not run (the reason is printed).</summary>
    public static List<BudgetScore>? Published(string publishedDir, string dataDir, IReadOnlyList<BenchFrame> frames, IReadOnlyList<double> budgets,
        int threads, string? vgg19, long seed, string outDir)
    {
        var args = new List<string> { "--published", publishedDir, "--data", dataDir, "--out", outDir, "--threads", threads.ToString(CultureInfo.InvariantCulture),
            "--seed", seed.ToString(CultureInfo.InvariantCulture), "--budgets", string.Join(",", budgets.Select(b => b.ToString(CultureInfo.InvariantCulture))) };
        if (vgg19 is not null) args.AddRange(["--vgg19", vgg19]);
        var scores = new List<BudgetScore>();
        var ok = RunDriver(args, line =>
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            var dir = r.GetProperty("dir").GetString()!;
            var (psnr, ssim) = StylizeBenchData.Score(frames, f => ImageIO.Read(Path.Combine(dir, Path.GetFileName(f.FramePath))));
            var s = new BudgetScore(r.GetProperty("budget").GetDouble(), r.GetProperty("steps").GetInt64(), r.GetProperty("train_seconds").GetDouble(), psnr, ssim);
            scores.Add(s);
            Console.WriteLine($"stylize bench: published{(vgg19 is null ? "" : " +VGG")} {s.Budget} s: {s.Steps} steps, PSNR {psnr:F2} dB, SSIM {ssim:F4}");
        });
        return ok ? scores : null;
    }

    /// <summary>
    /// Vivify's inference rate: the reference_P generator in eval mode on batches of random frames, or on one batch of
    /// the PNG frames in <paramref name="framesDir"/> (read as the published tool reads them, in [-1, 1]).
    /// </summary>
    public static double? VivifyFps(int width, int height, int batch, ScalarType dtype, int minFrames, double minSeconds, long seed, string? framesDir = null)
    {
        try
        {
            manual_seed(seed);
            var (g, d) = TimedTraining.BuildModels(StylizeConfig.Parse(TimedTraining.ReferencePYaml), 3);
            d.Dispose();
            using var generator = g;
            generator.to(dtype);
            using var x = (framesDir is null ? rand(batch, 3, height, width) * 2 - 1 : FramesBatch(framesDir)).to(dtype);
            batch = (int)x.shape[0];
            FullFrame.Stylize(generator, x).Dispose();
            var frames = 0;
            var clock = Stopwatch.StartNew();
            while (frames < minFrames || clock.Elapsed.TotalSeconds < minSeconds)
            {
                FullFrame.Stylize(generator, x).Dispose();
                frames += batch;
            }
            return frames / clock.Elapsed.TotalSeconds;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"stylize bench: Vivify {dtype} inference failed: {e.Message.Split('\n')[0]}");
            return null;
        }
    }

    /// <summary>The PNG frames of a folder as one batch [N, 3, H, W] in [-1, 1].</summary>
    private static Tensor FramesBatch(string dir)
    {
        using var scope = NewDisposeScope();
        var frames = Directory.GetFiles(dir, "*.png").Order(StringComparer.Ordinal).Select(f => ImageIO.Read(f) * 2 - 1).ToArray();
        return stack(frames).MoveToOuterDisposeScope();
    }

    /// <summary>The published generator's inference rate (same sizes, batch, dtype, threads; the same frames when <paramref name="framesDir"/> is given).</summary>
    public static double? PublishedFps(string publishedDir, int width, int height, int batch, string dtype, int threads, int minFrames, double minSeconds, long seed,
        string? framesDir = null)
    {
        double? fps = null;
        RunDriver(["--published", publishedDir, "--fps", "--width", $"{width}", "--height", $"{height}", "--batch", $"{batch}", "--dtype", dtype,
            "--threads", $"{threads}", "--min-frames", $"{minFrames}", "--min-seconds", minSeconds.ToString(CultureInfo.InvariantCulture), "--seed", $"{seed}",
            .. framesDir is null ? Array.Empty<string>() : ["--frames", framesDir]], line =>
        {
            using var doc = JsonDocument.Parse(line);
            fps = doc.RootElement.GetProperty("fps").GetDouble();
        });
        return fps;
    }

    private static bool RunDriver(IEnumerable<string> args, Action<string> onJsonLine)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(OpsReport.RepoRoot(), "bench", "stylize", "fspbt_bench.py"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            while (p.StandardOutput.ReadLine() is { } line)
            {
                if (line.StartsWith('{')) onJsonLine(line);
                else Console.WriteLine("fspbt_bench: " + line);
            }
            p.WaitForExit();
            if (p.ExitCode != 0) Console.Error.WriteLine($"stylize bench: fspbt_bench.py exited with {p.ExitCode}");
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine("stylize bench: /usr/bin/python3 not found (apt-get install python3-torch python3-yaml); reporting Vivify only");
            return false;
        }
    }
}
