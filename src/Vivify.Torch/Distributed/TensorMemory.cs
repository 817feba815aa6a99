using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Torch.Distributed;

/// <summary>
/// The address of a tensor's first element, for handing CPU memory to MPI: libtorch's <c>Tensor::data_ptr()</c>
/// through LibTorchSharp's <c>THSTensor_data</c> (the function TorchSharp's own TensorAccessor calls), looked up in
/// the library TorchSharp loaded.
/// </summary>
internal static unsafe class TensorMemory
{
    private static readonly Lazy<IntPtr> DataFunction = new(() =>
    {
        var lib = NativeLibrary.Load("LibTorchSharp", typeof(torch).Assembly, null);
        return NativeLibrary.GetExport(lib, "THSTensor_data");
    });

    /// <summary>The address of <paramref name="t"/>'s data; it must be contiguous and on the CPU.</summary>
    public static IntPtr Pointer(Tensor t, string what)
    {
        if (t.device_type != DeviceType.CPU) throw new ArgumentException($"{what}: the tensor is on {t.device}; copy it to the CPU first", nameof(t));
        if (!t.is_contiguous()) throw new ArgumentException($"{what}: the tensor is not contiguous", nameof(t));
        if (t.numel() == 0) return IntPtr.Zero;
        var p = ((delegate* unmanaged<IntPtr, IntPtr>)DataFunction.Value)(t.Handle);
        if (p == IntPtr.Zero) throw new InvalidOperationException($"{what}: libtorch gave no data pointer");
        return p;
    }
}
