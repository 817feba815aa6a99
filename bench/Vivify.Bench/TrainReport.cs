using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vivify.Motion;
using Vivify.Motion.Training;
using static TorchSharp.torch;

namespace Vivify.Bench;

/// <summary>
/// `train [--quick]`: training steps per second of the first-order motion model (one published iteration: generator
/// and keypoint-detector step, then the discriminator step where the config has a GAN weight) at the tiny configuration (fomm/tiny.yaml, 64×64, batch 4) and at
/// vox-256 and vox-adv-256 (256×256, batch 2), on random frames, Vivify against the published code (its checkout given by the
/// FOMM_CODE environment variable, run by bench/train/fomm_train.py with Debian's python3-torch) at the same thread
/// count. Writes bench/train/results.md. --quick: the tiny configuration only, 2 timed steps, nothing written (a smoke test).
/// </summary>
public static class TrainReport
{
    private sealed record Case(string Name, string Config, int Batch, int Warmup, int Steps);

    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var root = OpsReport.RepoRoot();
        var fixtures = Environment.GetEnvironmentVariable("VIVIFY_FIXTURES") ?? Path.Combine(root, "tests", "fixtures");
        var cases = new List<Case> { new("tiny", Path.Combine(fixtures, "fomm", "tiny.yaml"), 4, quick ? 1 : 3, quick ? 2 : 20) };
        // The 256x256 cases read the published files (configs/vox-adv-256.yaml holds the model values only):
        // vox-256 without the GAN (no discriminator step), vox-adv-256 with it.
        var code = Environment.GetEnvironmentVariable("FOMM_CODE");
        foreach (var name in quick ? [] : new[] { "vox-256", "vox-adv-256" })
        {
            var published = code is null ? null : Path.Combine(code, "config", name + ".yaml");
            if (published is not null && File.Exists(published)) cases.Add(new(name, published, 2, 1, 5));
            else Console.WriteLine($"train bench: {name} needs the published config/{name}.yaml (its train_params): set FOMM_CODE to a checkout of the published code");
        }
        var threads = get_num_threads();

        var md = new StringBuilder();
        md.AppendLine("# bench/train results");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{threads} threads on both sides; measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC{(quick ? " (--quick smoke run: not a measurement)" : "")}.");
        md.AppendLine("Random frames, untrained VGG19 (weights do not change the work); one step = generator + keypoint detector updates, and the discriminator's where the config has a GAN weight (as the published train.py).");
        md.AppendLine();
        md.AppendLine("| configuration | batch | Vivify steps/s | published code steps/s | Vivify / published |");
        md.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var c in cases)
        {
            var ours = Measure(c);
            var theirs = RunPublished(c, threads);
            var ratio = theirs is double t ? (ours / t).ToString("F2", CultureInfo.InvariantCulture) + "×" : "n/a";
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {c.Name} | {c.Batch} | {ours:F3} | {(theirs is double p ? p.ToString("F3", CultureInfo.InvariantCulture) : "n/a (set FOMM_CODE)")} | {ratio} |"));
        }
        var text = md.ToString();
        Console.WriteLine(text);
        if (quick) return 0; // a smoke run is not a measurement: nothing is written
        var outPath = Path.Combine(root, "bench", "train", "results.md");
        File.WriteAllText(outPath, text);
        Console.WriteLine($"written {outPath}");
        return 0;
    }

    private static double Measure(Case c)
    {
        var config = FommConfig.Load(c.Config);
        var train = config.train_params!;
        manual_seed(0);
        using var m = new TrainModels(config);
        using var vgg = new Vgg19();
        var channels = config.model_params.common_params.num_channels;
        var scales = config.model_params.discriminator_params.scales;
        using var gen = new GeneratorFullModel(m.kp_detector, m.generator, m.discriminator, train, channels, scales, vgg);
        using var disc = new DiscriminatorFullModel(m.discriminator, train, channels, scales);
        m.train();
        var shape = config.dataset_params.frame_shape;
        using var source = rand(c.Batch, channels, shape[0], shape[1]);
        using var driving = rand(c.Batch, channels, shape[0], shape[1]);
        using var g = new Generator();
        g.manual_seed(1);
        void Step()
        {
            using var transform = Transform.Random(c.Batch, train.transform_params!, g);
            TrainingStep.Run(source, driving, transform, gen, disc, m, train);
        }
        for (var i = 0; i < c.Warmup; i++) Step();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < c.Steps; i++) Step();
        return c.Steps / clock.Elapsed.TotalSeconds;
    }

    private static double? RunPublished(Case c, int threads)
    {
        var code = Environment.GetEnvironmentVariable("FOMM_CODE");
        if (string.IsNullOrEmpty(code) || !Directory.Exists(code)) return null;
        var script = Path.Combine(OpsReport.RepoRoot(), "bench", "train", "fomm_train.py");
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { script, code, c.Config, c.Batch.ToString(CultureInfo.InvariantCulture), c.Warmup.ToString(CultureInfo.InvariantCulture),
                     c.Steps.ToString(CultureInfo.InvariantCulture), threads.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var json = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) return null;
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("steps_per_second").GetDouble();
    }
}
