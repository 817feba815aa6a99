using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Vivify.Heads;
using Vivify.Motion;
using Vivify.Motion.Training;
using Vivify.Torch.Distributed;
using static TorchSharp.torch;

namespace Vivify.Bench;

/// <summary>
/// `distributed [--quick]`: data-parallel training on this machine, whole processes as a user runs them —
/// `vivify motion train` as 1 rank × 2 threads against `mpirun -np 2` × 1 thread, on shapes-64 (configs/shapes-64.yaml,
/// global batch 8) and vox-256 (the published config's train_params from FOMM_CODE, global batch 2), synthetic videos
/// and an untrained VGG19; the bytes the ranks all-reduce per step and the time they spend in collectives (from the
/// log); the loopback all-reduce bandwidth of float32 buffers (this program as the ranks: `distributed-rank`); and the
/// gradient bytes of the full-size models for the scaling estimate in bench/distributed/README.md. Writes
/// bench/distributed/results.md; --quick: 2 steps each, nothing written.
/// </summary>
public static partial class DistributedReport
{
    private sealed record Case(string Name, string Config, int Batch, int Videos, int Size, int Frames, int Repeats);

    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var root = OpsReport.RepoRoot();
        var vivify = Path.Combine(root, "src", "Vivify.Cli", "bin", "Release", "net10.0", "vivify.dll");
        if (!File.Exists(vivify)) throw new VivifyException($"{vivify}: not built; run make build (or make bench) first");
        if (Mpirun() is null) throw new VivifyException("mpirun is not installed: apt-get install openmpi-bin libopenmpi-dev (make setup)");
        var code = Environment.GetEnvironmentVariable("FOMM_CODE");
        var cases = new List<Case> { new("shapes-64", Path.Combine(root, "configs", "shapes-64.yaml"), 8, 10, 64, 16, quick ? 2 : 12) };
        var vox = code is null ? null : Path.Combine(code, "config", "vox-256.yaml");
        if (vox is not null && File.Exists(vox)) cases.Add(new("vox-256", vox, 2, 5, 256, 8, quick ? 1 : 4));
        else Console.WriteLine("distributed bench: vox-256 needs the published config/vox-256.yaml (its train_params): set FOMM_CODE to a checkout of the published code");

        var work = Directory.CreateTempSubdirectory("vivify-bench-dist-").FullName;
        var md = new StringBuilder();
        try
        {
            md.AppendLine("# bench/distributed results");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"{OpsReport.Machine()}; measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC{(quick ? " (--quick smoke run: not a measurement)" : "")}; load average before: {Load()}.");
            md.AppendLine("`vivify motion train` as a user runs it (synthetic videos, untrained VGG19, seed 1); steps/s from its own summary line (first step included); MB and ms per step from the rank-0 log (mean over the epoch; MB handed to collectives by each rank, ms spent in them including waiting for the slower rank).");
            md.AppendLine();
            md.AppendLine("| configuration | global batch | steps | 1 rank × 2 threads, steps/s | 2 ranks × 1 thread, steps/s | 2 ranks / 1 rank | all-reduced per step | in collectives per step |");
            md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
            foreach (var c in cases)
            {
                var (config, data) = Prepare(c, work, vivify);
                var one = Train(vivify, config, data, Path.Combine(work, c.Name + "-1"), 1);
                var two = Train(vivify, config, data, Path.Combine(work, c.Name + "-2"), 2);
                md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {c.Name} | {c.Batch} | {one.Steps} | {one.Rate:F3} | {two.Rate:F3} | {two.Rate / one.Rate:F2}× | {two.Megabytes:F2} MB in {two.Calls} collectives | {two.Milliseconds:F0} ms ({two.Milliseconds / 1000 * two.Rate * 100:F0} % of a step) |"));
            }
            md.AppendLine();
            md.AppendLine("All-reduce (sum, float32, in place) between 2 ranks on loopback (Open MPI shared memory), mean of repeated calls; bus bandwidth = 2(N − 1)/N × bytes / time, as NCCL reports it:");
            md.AppendLine();
            md.AppendLine("| bytes | time per call | algorithm bandwidth | bus bandwidth |");
            md.AppendLine("| --- | --- | --- | --- |");
            foreach (var line in Bandwidth(quick)) md.AppendLine(line);
            md.AppendLine();
            md.AppendLine("Gradient bytes per step of the full-size models (float32; what the scaling estimate sends):");
            md.AppendLine();
            foreach (var line in ModelBytes(vox)) md.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Load average after: {Load()}.");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        var text = md.ToString();
        Console.WriteLine(text);
        if (quick) return 0;
        var outPath = Path.Combine(root, "bench", "distributed", "results.md");
        File.WriteAllText(outPath, text);
        Console.WriteLine($"written {outPath}");
        return 0;
    }

    /// <summary>The configuration (its train_params with one epoch of <see cref="Case.Repeats"/> passes) and the synthetic videos.</summary>
    private static (string Config, string Data) Prepare(Case c, string work, string vivify)
    {
        var data = Path.Combine(work, c.Name + "-data");
        if (c.Size <= 128)
            Exec("dotnet", [vivify, "motion", "synth", "--out", data, "--videos", $"{c.Videos}", "--size", $"{c.Size}", "--frames", $"{c.Frames}", "--seed", "1", "-q"]);
        else // motion synth draws at most 128×128: ffmpeg's test patterns at the size, as mp4 clips
            foreach (var (v, source) in new[] { "testsrc", "testsrc2", "smptebars", "rgbtestsrc", "mandelbrot" }.Take(c.Videos).Select((s, i) => (i, s)))
            {
                var dir = Path.Combine(data, v < c.Videos - 1 ? "train" : "test");
                Directory.CreateDirectory(dir);
                Exec("ffmpeg", ["-loglevel", "error", "-f", "lavfi", "-i", $"{source}=size={c.Size}x{c.Size}:rate=10", "-frames:v", $"{c.Frames}", "-pix_fmt", "yuv420p", Path.Combine(dir, $"{source}.mp4")]);
            }
        var text = File.ReadAllText(c.Config);
        text = NumEpochs().Replace(text, "  num_epochs: 1");
        text = NumRepeats().Replace(text, $"  num_repeats: {c.Repeats}");
        text = BatchSize().Replace(text, $"  batch_size: {c.Batch}");
        text = CheckpointFreq().Replace(text, "  checkpoint_freq: 1000");
        var config = Path.Combine(work, c.Name + ".yaml");
        File.WriteAllText(config, text);
        return (config, data);
    }

    private sealed record Timing(long Steps, double Rate, double Megabytes, long Calls, double Milliseconds);

    private static Timing Train(string vivify, string config, string data, string run, int ranks)
    {
        string[] train = ["dotnet", vivify, "motion", "train", "--config", config, "--data", data, "--out", run, "--no-pretrained-vgg",
            "--seed", "1", "--visualize-every", "0", "--threads", ranks == 1 ? "2" : "1"];
        var err = ranks == 1 ? Exec(train[0], train[1..]) : Exec(Mpirun()!, [.. MpiArgs(ranks), .. train]);
        var summary = Summary().Match(err);
        if (!summary.Success) throw new VivifyException($"no training summary in: {err}");
        var comm = Communication().Match(err);
        static double D(Group g) => double.Parse(g.Value, CultureInfo.InvariantCulture);
        var steps = long.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture);
        return new Timing(steps, steps / D(summary.Groups[2]), comm.Success ? D(comm.Groups[2]) : 0,
            comm.Success ? (long)D(comm.Groups[3]) : 0, comm.Success ? D(comm.Groups[1]) : 0);
    }

    /// <summary>Rows of the bandwidth table, measured by `mpirun -np 2 Vivify.Bench distributed-rank allreduce`.</summary>
    private static IEnumerable<string> Bandwidth(bool quick)
    {
        var self = typeof(DistributedReport).Assembly.Location;
        var output = Exec(Mpirun()!, [.. MpiArgs(2), "dotnet", self, "distributed-rank", "allreduce", quick ? "quick" : "full"], stdout: true);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split(' ');
            if (f.Length != 3 || f[0] != "allreduce") continue;
            var bytes = long.Parse(f[1], CultureInfo.InvariantCulture);
            var seconds = double.Parse(f[2], CultureInfo.InvariantCulture);
            yield return string.Create(CultureInfo.InvariantCulture,
                $"| {Size(bytes)} | {seconds * 1e6:F1} µs | {bytes / seconds / 1e9:F2} GB/s | {bytes / seconds / 1e9:F2} GB/s |");
        }
    }

    /// <summary>`distributed-rank allreduce quick|full`: one rank of the bandwidth measurement; rank 0 prints "allreduce BYTES SECONDS".</summary>
    public static int Rank(string[] args)
    {
        var comm = World.Start();
        set_num_threads(1);
        var quick = args.Length > 1 && args[1] == "quick";
        foreach (var bytes in new long[] { 4 << 10, 1 << 20, 25 << 20, 100 << 20 })
        {
            using var t = ones(bytes / 4);
            comm.AllReduceSum(t); // warm-up
            var calls = quick ? 2 : (int)Math.Clamp(2e9 / bytes, 5, 2000);
            comm.Barrier();
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < calls; i++) comm.AllReduceSum(t);
            var seconds = clock.Elapsed.TotalSeconds / calls;
            if (comm.Rank == 0) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allreduce {bytes} {seconds:R}"));
        }
        World.Finish(comm);
        return 0;
    }

    /// <summary>What each step all-reduces for the full-size models: motion (vox-256) and talking heads (the paper's configuration).</summary>
    private static IEnumerable<string> ModelBytes(string? vox)
    {
        static long Bytes(IEnumerable<nn.Module> ms) => ms.Sum(m => m.parameters().Sum(p => p.numel() * 4));
        if (vox is not null && File.Exists(vox))
        {
            using var m = new TrainModels(FommConfig.Load(vox));
            var kpNorms = m.kp_detector.modules().OfType<TorchSharp.Modules.BatchNorm2d>().Count();
            var genNorms = m.generator.modules().OfType<TorchSharp.Modules.BatchNorm2d>().Count();
            yield return string.Create(CultureInfo.InvariantCulture,
                $"vox-256 (the published file: no GAN, so no discriminator step): keypoint detector + generator {Bytes([m.kp_detector, m.generator]) / 1e6:F1} MB a step (discriminator {Bytes([m.discriminator]) / 1e6:F1} MB, all-reduced only with a GAN weight); {kpNorms + genNorms} synchronised batch norm layers, {3 * kpNorms + genNorms} calls a step (the keypoint detector runs three times), each one small all-reduce forward and one backward");
        }
        var config = new HeadsConfig();
        using var heads = new HeadsModel(config, numVideos: 1);
        var w = config.EmbeddingDim * 4L;
        yield return string.Create(CultureInfo.InvariantCulture,
            $"talking heads (256×256, K = {config.KShot}): embedder + generator {Bytes([heads.Embedder, heads.Generator]) / 1e6:F1} MB once a step; discriminator without W {(Bytes([heads.Discriminator]) - w) / 1e6:F1} MB and W {w} B per training video, {config.DiscriminatorSteps} times a step (W's gradient is dense in the all-reduce although only the batch's rows are non-zero: VoxCeleb2's 145,569 training videos make W {145569 * w / 1e6:F0} MB)");
    }

    private static string[] MpiArgs(int ranks) =>
        [.. Environment.UserName == "root" ? new[] { "--allow-run-as-root" } : [], "--oversubscribe", "-np", $"{ranks}", "-x", "OMP_NUM_THREADS=1"];

    private static string? Mpirun() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);

    private static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0..3].Aggregate((a, b) => a + " " + b);

    private static string Size(long bytes) => bytes >= 1 << 20 ? $"{bytes >> 20} MiB" : $"{bytes >> 10} KiB";

    /// <summary>Runs a process to its end; returns its stderr (or stdout); a failure is an error with both.</summary>
    private static string Exec(string file, IEnumerable<string> args, bool stdout = false)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["TERM"] = "dumb";
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new VivifyException($"{file} {string.Join(' ', psi.ArgumentList)}: exit {p.ExitCode}: {e.Result}");
        return stdout ? o.Result : e.Result;
    }

    [GeneratedRegex(@"^\s*num_epochs:.*$", RegexOptions.Multiline)] private static partial Regex NumEpochs();
    [GeneratedRegex(@"^\s*num_repeats:.*$", RegexOptions.Multiline)] private static partial Regex NumRepeats();
    [GeneratedRegex(@"^\s*batch_size:.*$", RegexOptions.Multiline)] private static partial Regex BatchSize();
    [GeneratedRegex(@"^\s*checkpoint_freq:.*$", RegexOptions.Multiline)] private static partial Regex CheckpointFreq();
    [GeneratedRegex(@"train: (\d+) steps in ([\d.]+) s")] private static partial Regex Summary();
    [GeneratedRegex(@"communication ([\d.]+) ms a step \(([\d.]+) MB in (\d+) collectives\)")] private static partial Regex Communication();
}
