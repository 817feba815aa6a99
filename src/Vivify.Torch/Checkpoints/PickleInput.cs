using System.Buffers.Binary;
using System.Text;

namespace Vivify.Torch.Checkpoints;

/// <summary>
/// Reads a pickle stream with every length checked against the bytes that remain before anything is
/// allocated. The stream must be seekable (its Length bounds all reads).
/// </summary>
internal sealed class PickleInput
{
    private readonly Stream _s;
    private readonly long _end;

    public PickleInput(Stream s, long? end = null)
    {
        if (!s.CanSeek) throw new ArgumentException("pickle input needs a seekable stream", nameof(s));
        _s = s;
        _end = Math.Min(end ?? s.Length, s.Length);
    }

    public Stream Stream => _s;
    public long Position => _s.Position;
    public long Remaining => Math.Max(0, _end - _s.Position);

    public byte ReadByte()
    {
        if (Remaining < 1) throw Truncated(1);
        var b = _s.ReadByte();
        if (b < 0) throw Truncated(1);
        return (byte)b;
    }

    public byte[] ReadBytes(long n)
    {
        if (n < 0) throw new PickleFormatException($"negative length {n}");
        if (n > Remaining) throw Truncated(n);
        if (n > Array.MaxLength) throw new PickleFormatException($"length {n} is too large");
        var buf = new byte[n];
        _s.ReadExactly(buf);
        return buf;
    }

    public void ReadExactly(Span<byte> dest)
    {
        if (dest.Length > Remaining) throw Truncated(dest.Length);
        _s.ReadExactly(dest);
    }

    public void Skip(long n)
    {
        if (n < 0 || n > Remaining) throw Truncated(n);
        _s.Seek(n, SeekOrigin.Current);
    }

    public ushort ReadUInt16() { Span<byte> b = stackalloc byte[2]; ReadExactly(b); return BinaryPrimitives.ReadUInt16LittleEndian(b); }
    public int ReadInt32() { Span<byte> b = stackalloc byte[4]; ReadExactly(b); return BinaryPrimitives.ReadInt32LittleEndian(b); }
    public uint ReadUInt32() { Span<byte> b = stackalloc byte[4]; ReadExactly(b); return BinaryPrimitives.ReadUInt32LittleEndian(b); }
    public long ReadInt64() { Span<byte> b = stackalloc byte[8]; ReadExactly(b); return BinaryPrimitives.ReadInt64LittleEndian(b); }
    public ulong ReadUInt64() { Span<byte> b = stackalloc byte[8]; ReadExactly(b); return BinaryPrimitives.ReadUInt64LittleEndian(b); }
    public double ReadFloat64BigEndian() { Span<byte> b = stackalloc byte[8]; ReadExactly(b); return BinaryPrimitives.ReadDoubleBigEndian(b); }

    /// <summary>A protocol-0 text argument: bytes up to (not including) the next '\n'.</summary>
    public string ReadLine()
    {
        var sb = new StringBuilder();
        while (true)
        {
            var b = ReadByte();
            if (b == (byte)'\n') return sb.ToString();
            sb.Append((char)b); // latin-1: protocol-0 arguments are ASCII
        }
    }

    public static PickleFormatException Truncated(long wanted) =>
        new($"unexpected end of data (needed {wanted} more bytes)");
}
