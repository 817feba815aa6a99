using System.Globalization;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Vivify.Bench;

/// <summary>
/// Runs <see cref="OpsBench"/> with BenchmarkDotNet (in process), then bench/ops/torch_ops.py with Debian's
/// python3-torch at the same thread count, and writes one side-by-side table (GFLOPS and µs per call) to
/// bench/ops/results.md.
/// </summary>
public static class OpsReport
{
    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var threads = TorchSharp.torch.get_num_threads();
        var job = (quick ? Job.ShortRun : Job.Default).WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.Create(DefaultConfig.Instance).AddJob(job).WithOptions(ConfigOptions.DisableOptimizationsValidator);
        var summary = BenchmarkRunner.Run<OpsBench>(config);
        var ours = new Dictionary<string, double>();
        foreach (var r in summary.Reports)
        {
            if (r.ResultStatistics is null) continue;
            var dtype = (string)r.BenchmarkCase.Parameters["DType"];
            ours[$"{r.BenchmarkCase.Descriptor.WorkloadMethod.Name}/{dtype}"] = r.ResultStatistics.Mean * 1e-9;
        }

        var (torchVersion, theirs) = RunPython(threads);
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# bench/ops results");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine()}; {threads} threads on both sides; measured {DateTime.UtcNow:yyyy-MM-dd} in one run of `make bench ARGS=ops`.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Vivify: TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3)} / libtorch {TorchSharp.torch.__version__}; reference: Debian python3-torch {torchVersion}.");
        md.AppendLine();
        md.AppendLine("| operation | dtype | Vivify | python3-torch | Vivify / python |");
        md.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var key in ours.Keys.OrderBy(k => k))
        {
            var parts = key.Split('/');
            var t = ours[key];
            var p = theirs.TryGetValue(key, out var pv) ? pv : double.NaN;
            string Fmt(double s) => parts[0] switch
            {
                "Conv2d" => $"{OpsBench.ConvFlops / s / 1e9:F1} GFLOPS",
                "Matmul" => $"{OpsBench.MatmulFlops / s / 1e9:F1} GFLOPS",
                _ => $"{s * 1e6:F2} µs/call",
            };
            md.AppendLine(CultureInfo.InvariantCulture, $"| {parts[0]} | {parts[1]} | {Fmt(t)} | {(double.IsNaN(p) ? "n/a" : Fmt(p))} | {(double.IsNaN(p) ? "n/a" : $"{p / t:F2}× speed")} |");
        }
        var text = md.ToString();
        Console.WriteLine(text);
        var outPath = Path.Combine(RepoRoot(), "bench", "ops", "results.md");
        File.WriteAllText(outPath, text);
        Console.WriteLine($"written {outPath}");
        return 0;
    }

    private static (string Version, Dictionary<string, double> Results) RunPython(int threads)
    {
        var script = Path.Combine(RepoRoot(), "bench", "ops", "torch_ops.py");
        var psi = new ProcessStartInfo("/usr/bin/python3", $"\"{script}\" {threads}") { RedirectStandardOutput = true, UseShellExecute = false };
        try
        {
            using var p = Process.Start(psi)!;
            var json = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) return ("unavailable", new());
            using var doc = JsonDocument.Parse(json);
            var res = doc.RootElement.GetProperty("results").EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetDouble());
            return (doc.RootElement.GetProperty("torch").GetString() ?? "?", res);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine("bench: /usr/bin/python3 not found (apt-get install python3-torch); reporting Vivify only");
            return ("unavailable", new());
        }
    }

    internal static string Machine()
    {
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) ?? "";
        var bf16 = flags.Contains("amx_bf16") ? "AMX-BF16" : flags.Contains("avx512_bf16") ? "AVX512-BF16" : "no bf16 matrix instructions";
        var compute = Vivify.BFloat16Compute.FastOnThisCpu ? "bf16 computed in bf16" : "bf16 computed in float32 (bf16 is slower on this CPU: Vivify.BFloat16Compute)";
        return $"{model}, {Environment.ProcessorCount} cores, {bf16}; {compute}";
    }

    /// <summary>The 1, 5 and 15 minute load averages (/proc/loadavg), e.g. "0.52 0.80 1.10": how shared the machine was.</summary>
    internal static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vivify.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
