using System.Runtime.InteropServices;
using Vivify.Torch.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Torch;

/// <summary>
/// Transparent huge pages for tensors that are written once and kept: model weights as a checkpoint is read and as
/// they are folded or laid out for inference. Advised before their first write, their memory is faulted in 2 MB at a
/// time instead of 4 KB (where <c>/sys/kernel/mm/transparent_hugepage/enabled</c> is <c>madvise</c> or <c>always</c>):
/// about 500 times fewer page faults while a model loads. Feature maps are not advised: they are freed and
/// reallocated at every step, and huge pages in the reused heap would only raise the resident memory
/// (libtorch's own THP_MEM_ALLOC_ENABLE does that for every allocation of 2 MB or more, which is why it is not used).
/// </summary>
public static class HugePages
{
    private const long Size = 2 << 20;
    private const int MadvHugepage = 14;

    /// <summary>
    /// Advises the kernel to back the whole 2 MB pages inside <paramref name="t"/>'s memory with huge pages; call it
    /// on a new CPU tensor before writing it. Does nothing for small or non-CPU tensors or where the kernel refuses.
    /// </summary>
    public static void Advise(Tensor t)
    {
        if (!OperatingSystem.IsLinux() || t.device_type != DeviceType.CPU || !t.is_contiguous()) return;
        var bytes = t.numel() * t.element_size();
        if (bytes < Size) return;
        var start = TensorMemory.Pointer(t, "a tensor to advise").ToInt64();
        var first = (start + Size - 1) & ~(Size - 1);
        var end = (start + bytes) & ~(Size - 1);
        if (end <= first) return;
        try { _ = madvise(new IntPtr(first), (nuint)(end - first), MadvHugepage); } // refused (e.g. THP off): normal pages
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    /// <summary>A new, uninitialised tensor of <paramref name="shape"/> whose memory is advised (<see cref="Advise"/>).</summary>
    public static Tensor Empty(long[] shape, ScalarType dtype)
    {
        var t = empty(shape, dtype);
        Advise(t);
        return t;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int madvise(IntPtr addr, nuint length, int advice);
}
