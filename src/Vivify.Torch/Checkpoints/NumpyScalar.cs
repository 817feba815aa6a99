using System.Buffers.Binary;

namespace Vivify.Torch.Checkpoints;

/// <summary>
/// A pickled numpy scalar (numpy.core.multiarray.scalar(dtype, bytes)), as checkpoints store an
/// epoch or a metric: decoded to long, double or bool. Other numpy types are refused.
/// </summary>
internal static class NumpyScalar
{
    public static object Decode(PyObject dtype, byte[] data)
    {
        var code = (string)dtype.Args[0]!;
        // BUILD state (version, byte order, ...): '<' little, '>' big, '|' or '=' not applicable / native.
        var bigEndian = dtype.State is PyTuple { Count: > 1 } st && st[1] is ">";
        if (code.Length < 2 || !int.TryParse(code.AsSpan(1), out var size) || size != data.Length)
            throw new PickleFormatException($"numpy scalar of dtype '{code}' with {data.Length} bytes");
        Span<byte> b = data.ToArray();
        if (bigEndian) b.Reverse();
        return (code[0], size) switch
        {
            ('f', 8) => BinaryPrimitives.ReadDoubleLittleEndian(b),
            ('f', 4) => (double)BinaryPrimitives.ReadSingleLittleEndian(b),
            ('f', 2) => (double)BinaryPrimitives.ReadHalfLittleEndian(b),
            ('i', 8) => BinaryPrimitives.ReadInt64LittleEndian(b),
            ('i', 4) => (long)BinaryPrimitives.ReadInt32LittleEndian(b),
            ('i', 2) => (long)BinaryPrimitives.ReadInt16LittleEndian(b),
            ('i', 1) => (long)(sbyte)b[0],
            ('u', 4) => (long)BinaryPrimitives.ReadUInt32LittleEndian(b),
            ('u', 2) => (long)BinaryPrimitives.ReadUInt16LittleEndian(b),
            ('u', 1) => (long)b[0],
            ('b', 1) => b[0] != 0,
            _ => throw new PickleFormatException($"numpy scalar of dtype '{code}' is not supported"),
        };
    }
}
