using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vivify.Torch.Checkpoints;

/// <summary>
/// Reads a contiguous [out, in, kh, kw] float32 tensor's bytes into <c>[out, kh, kw, in]</c> order (channels last): a
/// few output channels at a time through a small buffer, each transposed from [in, kh·kw] to [kh·kw, in].
/// </summary>
internal static class ChannelsLastReader
{
    private const int BufferFloats = 1 << 18; // 1 MiB

    /// <summary>The largest output channel (in·kh·kw elements) read this way: 4 MiB, far above a real convolution's (2048·3·3).</summary>
    public const long MaxBlock = 1 << 20;

    public static void Read(Stream source, Span<float> destination, long[] shape)
    {
        var (outs, ins, taps) = (shape[0], shape[1], shape[2] * shape[3]);
        var block = checked((int)(ins * taps)); // one output channel
        if (block > MaxBlock || destination.Length != outs * block) throw new InvalidOperationException("channels-last read of a wrong size");
        var perRead = Math.Max(1, BufferFloats / block);
        var buffer = ArrayPool<float>.Shared.Rent(perRead * block);
        try
        {
            for (long o = 0; o < outs; o += perRead)
            {
                var count = (int)Math.Min(perRead, outs - o);
                var chunk = buffer.AsSpan(0, count * block);
                source.ReadExactly(MemoryMarshal.AsBytes(chunk));
                for (var c = 0; c < count; c++)
                    Transpose(chunk.Slice(c * block, block), destination.Slice((int)((o + c) * block), block), (int)ins, (int)taps);
            }
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }

    /// <summary><paramref name="to"/>[t, i] = <paramref name="from"/>[i, t] for i &lt; ins, t &lt; taps.</summary>
    private static void Transpose(ReadOnlySpan<float> from, Span<float> to, int ins, int taps)
    {
        ref var src = ref MemoryMarshal.GetReference(from);
        ref var dst = ref MemoryMarshal.GetReference(to);
        for (var t = 0; t < taps; t++)
        {
            ref var row = ref Unsafe.Add(ref dst, t * ins);
            for (var i = 0; i < ins; i++) Unsafe.Add(ref row, i) = Unsafe.Add(ref src, i * taps + t);
        }
    }
}
