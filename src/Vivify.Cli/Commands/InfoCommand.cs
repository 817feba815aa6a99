using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using Vivify.Torch;

namespace Vivify.Cli.Commands;

/// <summary>`vivify info`: versions, threads, devices and CPU matrix features.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var cmd = new Command("info", "Show versions of Vivify, TorchSharp, libtorch and ffmpeg, threads, devices and CPU features");
        cmd.SetAction(parse =>
        {
            Cli.ApplyGlobals(parse);
            var o = parse.InvocationConfiguration.Output;
            foreach (var (k, v) in Collect()) o.WriteLine($"{k,-18} {v}");
            return 0;
        });
        return cmd;
    }

    public static IReadOnlyList<(string Key, string Value)> Collect()
    {
        var rows = new List<(string, string)>
        {
            ("vivify", typeof(InfoCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?"),
            ("torchsharp", TorchRuntime.TorchSharpVersion),
            ("libtorch", TorchRuntime.LibTorchVersion),
            ("ffmpeg", FfmpegVersion()),
            (".net", Environment.Version.ToString()),
            ("threads", $"{TorchRuntime.Threads} (of {Environment.ProcessorCount} cores)"),
        };
        rows.Add(("devices", string.Join(", ", TorchRuntime.Devices())));
        var flags = CpuFlags();
        rows.Add(("cpu", CpuModel()));
        rows.Add(("bf16 matmul", Bf16Support(flags)));
        return rows;
    }

    internal static string Bf16Support(IReadOnlySet<string> flags)
    {
        var have = new List<string>();
        if (flags.Contains("amx_bf16")) have.Add("AMX-BF16");
        if (flags.Contains("avx512_bf16")) have.Add("AVX512-BF16");
        if (have.Count == 0) return "no (bf16 runs, emulated: slower than fp32)";
        return "yes (" + string.Join(", ", have) + ")" + (BFloat16Compute.FastOnThisCpu
            ? ""
            : ": no faster than fp32 without AMX on this CPU, so --precision bf16 computes in fp32");
    }

    internal static IReadOnlySet<string> CpuFlags()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags"));
            return line is null ? new HashSet<string>() : line.Split(':', 2)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        }
        catch (IOException) { return new HashSet<string>(); }
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"));
            return line?.Split(':', 2)[1].Trim() ?? "?";
        }
        catch (IOException) { return "?"; }
    }

    private static string FfmpegVersion()
    {
        string exe;
        try { exe = Vivify.Media.FfmpegTools.Ffmpeg; }
        catch (VivifyException e) { return "not found: " + e.Message; }
        try
        {
            using var p = Process.Start(new ProcessStartInfo(exe, "-version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            var first = p.StandardOutput.ReadLine() ?? "";
            p.WaitForExit();
            var parts = first.Split(' ');
            return parts.Length > 2 && parts[0] == "ffmpeg" ? parts[2] : first;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not found (install it with: sudo apt-get install ffmpeg)";
        }
    }
}
