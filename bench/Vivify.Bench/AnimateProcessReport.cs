using System.Diagnostics;
using System.Globalization;
using System.Text;
using TorchSharp;
using Vivify.Motion;
using Vivify.Torch.Checkpoints;
using static TorchSharp.torch;

namespace Vivify.Bench;

/// <summary>
/// bench/animate, whole processes: `vivify animate` (fp32, bf16) and the published demo.py's main (through
/// bench/animate/fomm_demo.py) as a user runs them, start to finished video, one after the other in rounds,
/// on the same picture, driving video, checkpoint, config and thread count: wall time and peak resident set.
/// </summary>
public static class AnimateProcessReport
{
    internal sealed record Run(string Implementation, string Checkpoint, int Frames, double Seconds, double PeakMb, string? Error = null);

    /// <summary>Runs the cases and returns the markdown section for results.md.</summary>
    public static string Measure(string work, FommConfig config, string configPath, string vox, int threads, bool quick, int rounds)
    {
        var root = OpsReport.RepoRoot();
        // As the checkout's ./vivify runs it: published ahead-of-time compiled (the launcher publishes it when stale).
        var vivify = Path.Combine(root, "src", "Vivify.Cli", "bin", "Release", "net10.0", "linux-x64", "publish", "vivify.dll");
        var launcher = Time("./vivify info", "", 0, Path.Combine(root, "vivify"), ["info"]);
        if (launcher.Error is not null || !File.Exists(vivify))
            return $"Whole processes: not measured (./vivify info did not publish {vivify}: {launcher.Error}).\n";
        var published = Environment.GetEnvironmentVariable("FOMM_PUBLISHED_DIR");
        var hasPublished = !string.IsNullOrEmpty(published) && File.Exists(Path.Combine(published, "demo.py")) && File.Exists("/usr/bin/python3");

        var long_ = quick ? 8 : 64;
        var (source, video, video1) = Inputs(work, long_);
        var checkpoints = new List<(string Name, string Path)> { ("vox-256 {generator, kp_detector}", vox) };
        if (!quick) checkpoints.Add(("vox-adv layout, with discriminator and Adam states", WriteAdvCheckpoint(config, vox, Path.Combine(work, "random-vox-adv.pth.tar"))));

        var loadBefore = OpsReport.LoadAverage();
        var runs = new List<Run>();
        for (var round = 0; round < rounds; round++)
            foreach (var (name, path) in checkpoints)
                foreach (var (frames, clip) in new[] { (long_, video), (1, video1) })
                {
                    var output = Path.Combine(work, $"out-{round}.mp4");
                    if (hasPublished)
                        runs.Add(Time("published demo.py", name, frames, "/usr/bin/python3",
                            [Path.Combine(root, "bench", "animate", "fomm_demo.py"), $"{threads}", configPath, path, source, clip, output]));
                    var before = runs.Count;
                    // The default batch in both precisions; batch 4 too on the long clip, for the speed it buys and the memory it costs.
                    foreach (var (label, extra) in VivifyCases.Where(c => frames > 1 || !c.Extra.Contains("--batch")))
                        runs.Add(Time(label, name, frames, "dotnet",
                            [vivify, "animate", "-q", "--threads", $"{threads}", "-s", source, "-d", clip, "-c", path, "--config", configPath, "-o", output, .. extra, "--frame", "whole"]));
                    Console.WriteLine($"round {round + 1}/{rounds}, {name}, {frames} frames: " +
                        string.Join("; ", runs.Skip(before - (hasPublished ? 1 : 0)).Select(r => r.Error ?? $"{r.Implementation} {r.Seconds:F2} s, {r.PeakMb:F0} MB")));
                }

        return Markdown(runs, checkpoints, hasPublished, published, long_, rounds) +
            $"\nLoad average (1, 5, 15 min) before the runs: {loadBefore}; after: {OpsReport.LoadAverage()} ({Environment.ProcessorCount} cores): " +
            "above about 2 the machine was shared with other work while measuring, which slows every case, not necessarily alike.\n";
    }

    private static readonly (string Label, string[] Extra)[] VivifyCases =
    [
        ("vivify animate fp32", ["--precision", "fp32"]),
        ("vivify animate bf16", ["--precision", "bf16"]),
        ("vivify animate fp32 --batch 4", ["--precision", "fp32", "--batch", "4"]),
    ];

    /// <summary>A 256×256 driving video of <paramref name="frames"/> frames and a one-frame one, and the source picture (their first frame).</summary>
    private static (string Source, string Video, string Video1) Inputs(string work, int frames)
    {
        var clip = Path.Combine(OpsReport.RepoRoot(), "data", "samples", "Megamind.avi");
        string[] input = File.Exists(clip)
            ? ["-ss", "3", "-i", clip, "-vf", "crop=ih:ih,scale=256:256:flags=area"]
            : ["-f", "lavfi", "-i", "testsrc2=size=256x256:rate=25"];
        var video = Path.Combine(work, "driving.mp4");
        var video1 = Path.Combine(work, "driving1.mp4");
        var source = Path.Combine(work, "source.png");
        Ffmpeg([.. input, "-frames:v", $"{frames}", "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", video]);
        Ffmpeg(["-i", video, "-frames:v", "1", "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", video1]);
        Ffmpeg(["-i", video, "-frames:v", "1", source]);
        return (source, video, video1);
    }

    internal static void Ffmpeg(string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in (string[])["-nostdin", "-y", "-v", "error", .. args]) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new VivifyException($"bench: ffmpeg failed: {err.Trim()}");
    }

    /// <summary>
    /// The published vox-adv-cpk.pth.tar's layout (Logger.save_cpk): the vox-256 weights plus a discriminator and
    /// the three Adam states (two moments per parameter), random, so that reading only what inference needs shows.
    /// </summary>
    private static string WriteAdvCheckpoint(FommConfig config, string vox, string path)
    {
        using var scope = NewDisposeScope();
        using var small = 1e-4.ToScalar();
        using var tiny = 1e-8.ToScalar();
        var g = new Generator(5);
        var models = (PyDict)TorchFile.Load(vox)!;
        random.manual_seed(1);
        using var discriminator = MultiScaleDiscriminator.FromConfig(config.model_params);
        var disc = new PyDict("collections.OrderedDict");
        foreach (var (k, v) in discriminator.state_dict()) disc.Add(k, v.detach().clone());
        PyDict Adam(PyDict state)
        {
            var s = new PyDict();
            var ids = new List<object?>();
            long i = 0;
            foreach (var (_, v) in state)
            {
                if (v is not Tensor t || !t.is_floating_point()) continue;
                s.Add(i, new PyDict { { "step", tensor(1000f) }, { "exp_avg", randn(t.shape, generator: g).mul_(small) }, { "exp_avg_sq", rand(t.shape, generator: g).mul_(tiny) } });
                ids.Add(i++);
            }
            var group = new PyDict { { "lr", 2e-4 }, { "betas", new PyTuple(0.5, 0.999) }, { "eps", 1e-8 }, { "weight_decay", 0L }, { "amsgrad", false }, { "params", ids } };
            return new PyDict { { "state", s }, { "param_groups", new List<object?> { group } } };
        }
        var generator = (PyDict)models["generator"]!;
        var kp = (PyDict)models["kp_detector"]!;
        TorchSave.Save(new PyDict
        {
            { "generator", generator }, { "discriminator", disc }, { "kp_detector", kp },
            { "optimizer_generator", Adam(generator) }, { "optimizer_discriminator", Adam(disc) }, { "optimizer_kp_detector", Adam(kp) },
            { "epoch", 99L },
        }, path);
        return path;
    }

    /// <summary>Wall time from start to exit, and the highest VmHWM (peak resident set) read while it ran (polled every 10 ms).</summary>
    internal static Run Time(string implementation, string checkpoint, int frames, string exe, string[] args)
    {
        var psi = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long peakKb = 0;
        while (!p.WaitForExit(10))
            peakKb = Math.Max(peakKb, HighWaterKb(p.Id));
        var seconds = clock.Elapsed.TotalSeconds;
        if (p.ExitCode != 0)
            return new Run(implementation, checkpoint, frames, double.NaN, double.NaN,
                $"{implementation} failed (exit {p.ExitCode}): {(stderr.Result + stdout.Result).Trim().Split('\n').LastOrDefault()}");
        return new Run(implementation, checkpoint, frames, seconds, peakKb / 1024.0);
    }

    private static long HighWaterKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException) { } // the process has just exited
        return 0;
    }

    private static string Markdown(List<Run> runs, List<(string Name, string Path)> checkpoints, bool hasPublished, string? published, int frames, int rounds)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"## Whole processes: `vivify animate` against the published demo.py, start to finished video");
        md.AppendLine();
        md.AppendLine(hasPublished
            ? $"Published: demo.py's main from FOMM_PUBLISHED_DIR={published} through bench/animate/fomm_demo.py (`--relative --cpu`, imageio and skimage stand-ins where missing), python3 {PythonVersion()}."
            : "Published: **not measured** (FOMM_PUBLISHED_DIR unset, or no /usr/bin/python3 with torch).");
        md.AppendLine(CultureInfo.InvariantCulture, $"Vivify: `./vivify animate` as its launcher runs it (published ahead-of-time compiled: `dotnet src/Vivify.Cli/bin/Release/net10.0/linux-x64/publish/vivify.dll animate --threads N -s source.png -d driving.mp4 -c CHECKPOINT --config configs/vox-adv-256.yaml -o out.mp4 --precision P --frame whole`; the default batch (2) unless the row names one; whole frames as demo.py).");
        md.AppendLine(CultureInfo.InvariantCulture, $"Median of {rounds} round(s); each round runs every case once, one after the other. Peak memory: the process's VmHWM (ffmpeg children not included).");
        md.AppendLine();
        foreach (var (name, path) in checkpoints)
        {
            var size = new FileInfo(path).Length / 1e6;
            md.AppendLine(CultureInfo.InvariantCulture, $"**{name}** ({size:F0} MB; memory target: checkpoint + 600 MB = {size + 600:F0} MB)");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"| implementation | {frames} frames, s | speed vs published | peak memory | 1 frame, s | peak memory |");
            md.AppendLine("| --- | --- | --- | --- | --- | --- |");
            double Median(IEnumerable<double> xs) { var a = xs.Where(x => !double.IsNaN(x)).Order().ToArray(); return a.Length == 0 ? double.NaN : a[a.Length / 2]; }
            (double S, double Mb) Of(string impl, int n)
            {
                var r = runs.Where(x => x.Implementation == impl && x.Checkpoint == name && x.Frames == n).ToList();
                return (Median(r.Select(x => x.Seconds)), r.Count == 0 ? double.NaN : r.Max(x => x.PeakMb));
            }
            var reference = Of("published demo.py", frames).S;
            foreach (var impl in (hasPublished ? ["published demo.py"] : Array.Empty<string>()).Concat(VivifyCases.Select(c => c.Label)))
            {
                var (s, mb) = Of(impl, frames);
                var (s1, mb1) = Of(impl, 1);
                var ratio = double.IsNaN(reference) || double.IsNaN(s) ? "n/a" : $"{reference / s:F2}×";
                md.AppendLine(CultureInfo.InvariantCulture, $"| {impl} | {s:F2} | {ratio} | {mb:F0} MB | {(double.IsNaN(s1) ? "n/a" : $"{s1:F2}")} | {(double.IsNaN(mb1) ? "n/a" : $"{mb1:F0} MB")} |");
            }
            md.AppendLine();
        }
        foreach (var r in runs.Where(r => r.Error is not null).DistinctBy(r => r.Implementation)) md.AppendLine(CultureInfo.InvariantCulture, $"- {r.Error}");
        md.AppendLine("Targets (issue #18): ≥ 2× (fp32) and ≥ 4× (bf16) the published demo.py on 64 frames; one frame ≤ 1.5 s; peak memory ≤ checkpoint + 600 MB.");
        return md.ToString();
    }

    private static string PythonVersion()
    {
        try
        {
            var psi = new ProcessStartInfo("/usr/bin/python3", "-c \"import sys, torch; print(sys.version.split()[0], 'torch', torch.__version__)\"") { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var v = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return v;
        }
        catch (System.ComponentModel.Win32Exception) { return "?"; }
    }
}
