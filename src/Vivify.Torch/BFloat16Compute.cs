using TorchSharp;
using static TorchSharp.torch;

namespace Vivify;

/// <summary>
/// Whether bfloat16 convolutions and matrix products are faster than float32 ones on this machine's CPU, and so
/// which dtype a model asked to run in bf16 computes in. bf16 pays where the CPU multiplies bf16 at a higher rate
/// than float32: AMX (Intel from Sapphire Rapids on), and AVX512-BF16 on AMD (Zen 4 on: about 1.8× float32 for
/// vox-256) and on Intel's Cooper Lake. Intel CPUs from Sapphire Rapids on (those with AVX512-FP16) whose AMX
/// is not available, as in many virtual machines, have AVX512-BF16 at float32's rate: oneDNN's bf16
/// convolutions there run 1.3–2.3× slower than float32 ones (measured on an Emerald Rapids VM), and
/// without AVX512-BF16 bf16 is emulated. There a bf16 model computes in float32: faster, and more exact.
/// </summary>
public static class BFloat16Compute
{
    private static readonly Lazy<bool> FastHere = new(() => IsFast(CpuInfo("vendor_id"), CpuFlags()));

    /// <summary>Whether this machine's CPU computes bf16 faster than float32 (see the class summary).</summary>
    public static bool FastOnThisCpu => FastHere.Value;

    /// <summary>The rule, from /proc/cpuinfo's vendor_id and flags (none known: bf16 is left as asked).</summary>
    public static bool IsFast(string vendor, IReadOnlySet<string> flags) =>
        flags.Count == 0 || flags.Contains("amx_bf16") || (flags.Contains("avx512_bf16") && !(vendor == "GenuineIntel" && flags.Contains("avx512_fp16")));

    /// <summary>
    /// The dtype to compute in when <paramref name="requested"/> is asked for on <paramref name="device"/>: float32
    /// for bfloat16 on a CPU where bf16 is slower (<see cref="FastOnThisCpu"/>), unless <paramref name="native"/>
    /// says which (true: bf16 whatever its speed; false: float32); anything else as requested.
    /// </summary>
    public static ScalarType For(ScalarType requested, Device? device = null, bool? native = null)
    {
        if (requested != ScalarType.BFloat16) return requested;
        var onCpu = device is null || device.type == DeviceType.CPU;
        return (native ?? (!onCpu || FastOnThisCpu)) ? ScalarType.BFloat16 : ScalarType.Float32;
    }

    private static string CpuInfo(string key)
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? "";
        }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    private static HashSet<string> CpuFlags() => CpuInfo("flags").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
}
