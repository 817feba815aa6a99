using System.Buffers.Binary;
using System.Text;

namespace Vivify.Torch.Checkpoints;

/// <summary>
/// A minimal zip writer for torch.save archives: every entry stored (not compressed), its data starting
/// on a 64-byte boundary (padding in the local header's extra field, id "FB", as PyTorch's writer does),
/// so readers can map tensors straight from the file. Writes sequentially: the stream need not seek.
/// </summary>
internal sealed class StoredZipWriter
{
    private const int Alignment = 64;
    private readonly Stream _out;
    private readonly List<(byte[] Name, uint Crc, uint Size, uint Offset)> _entries = new();
    private long _position;

    public StoredZipWriter(Stream output) => _out = output;

    public void Add(string name, ReadOnlySpan<byte> data)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var headerEnd = _position + 30 + nameBytes.Length;
        var extra = 0;
        if (headerEnd % Alignment != 0)
        {
            extra = (int)(Alignment - (headerEnd + 4) % Alignment) % Alignment + 4;
        }
        if (_position > uint.MaxValue || (long)data.Length > uint.MaxValue - 1 || headerEnd + extra + data.Length > uint.MaxValue)
            throw new VivifyException("the checkpoint is larger than 4 GB, which Vivify's writer does not support (no zip64); save smaller parts");
        var crc = Crc32.Compute(data);
        Span<byte> h = stackalloc byte[30];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 20);   // version needed
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 0);    // flags
        BinaryPrimitives.WriteUInt16LittleEndian(h[8..], 0);    // stored
        BinaryPrimitives.WriteUInt16LittleEndian(h[10..], 0);   // time
        BinaryPrimitives.WriteUInt16LittleEndian(h[12..], 0x21); // date 1980-01-01
        BinaryPrimitives.WriteUInt32LittleEndian(h[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(h[18..], (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(h[22..], (uint)data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(h[26..], (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)extra);
        _entries.Add((nameBytes, crc, (uint)data.Length, (uint)_position));
        Write(h);
        Write(nameBytes);
        if (extra > 0)
        {
            var e = new byte[extra];
            e[0] = (byte)'F';
            e[1] = (byte)'B';
            BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(2), (ushort)(extra - 4));
            Write(e);
        }
        Write(data);
    }

    /// <summary>Writes the central directory; the archive is complete afterwards.</summary>
    public void Finish()
    {
        var start = _position;
        Span<byte> c = stackalloc byte[46];
        foreach (var (name, crc, size, offset) in _entries)
        {
            c.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(c, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(c[4..], 20);   // version made by
            BinaryPrimitives.WriteUInt16LittleEndian(c[6..], 20);   // version needed
            BinaryPrimitives.WriteUInt16LittleEndian(c[12..], 0);   // time
            BinaryPrimitives.WriteUInt16LittleEndian(c[14..], 0x21); // date
            BinaryPrimitives.WriteUInt32LittleEndian(c[16..], crc);
            BinaryPrimitives.WriteUInt32LittleEndian(c[20..], size);
            BinaryPrimitives.WriteUInt32LittleEndian(c[24..], size);
            BinaryPrimitives.WriteUInt16LittleEndian(c[28..], (ushort)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(c[42..], offset);
            Write(c);
            Write(name);
        }
        var size_ = _position - start;
        if (_entries.Count > ushort.MaxValue || _position > uint.MaxValue)
            throw new VivifyException("the checkpoint has too many tensors or is larger than 4 GB, which Vivify's writer does not support (no zip64)");
        Span<byte> end = stackalloc byte[22];
        end.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], (uint)size_);
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], (uint)start);
        Write(end);
        _out.Flush();
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _out.Write(bytes);
        _position += bytes.Length;
    }
}

/// <summary>CRC-32 (IEEE 802.3, as zip uses).</summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }
}
