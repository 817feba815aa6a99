using System.Buffers.Binary;
using System.Text;

namespace Vivify.Torch.Tests.Checkpoints;

/// <summary>
/// Builds stored (uncompressed) zip archives fast for the fuzz test: every entry but one is written
/// once; each archive is that prefix, the one varying entry, and the central directory.
/// </summary>
internal sealed class StoredZipTemplate
{
    private readonly byte[] _prefix;
    private readonly List<(string Name, uint Crc, int Size, int Offset)> _entries = new();

    public StoredZipTemplate(IEnumerable<(string Name, byte[] Data)> fixedEntries)
    {
        var ms = new MemoryStream();
        foreach (var (name, data) in fixedEntries)
        {
            var crc = Crc32(data);
            _entries.Add((name, crc, data.Length, (int)ms.Length));
            WriteLocalHeader(ms, name, crc, data.Length);
            ms.Write(data);
        }
        _prefix = ms.ToArray();
    }

    /// <summary>The fixed entries, then <paramref name="name"/> holding <paramref name="data"/>.</summary>
    public byte[] With(string name, byte[] data)
    {
        var ms = new MemoryStream(_prefix.Length + data.Length + 64 * (_entries.Count + 2));
        ms.Write(_prefix);
        var crc = Crc32(data);
        var all = _entries.Append((Name: name, Crc: crc, Size: data.Length, Offset: (int)ms.Length)).ToList();
        WriteLocalHeader(ms, name, crc, data.Length);
        ms.Write(data);
        var directoryStart = ms.Length;
        Span<byte> h = stackalloc byte[46];
        foreach (var e in all)
        {
            var n = Encoding.UTF8.GetBytes(e.Name);
            h.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(h, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 20);
            BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 20);
            BinaryPrimitives.WriteUInt16LittleEndian(h[14..], 0x21); // 1980-01-01
            BinaryPrimitives.WriteUInt32LittleEndian(h[16..], e.Crc);
            BinaryPrimitives.WriteUInt32LittleEndian(h[20..], (uint)e.Size);
            BinaryPrimitives.WriteUInt32LittleEndian(h[24..], (uint)e.Size);
            BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)n.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(h[42..], (uint)e.Offset);
            ms.Write(h);
            ms.Write(n);
        }
        Span<byte> end = stackalloc byte[22];
        end.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], (ushort)all.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], (ushort)all.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], (uint)(ms.Length - directoryStart));
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], (uint)directoryStart);
        ms.Write(end);
        return ms.ToArray();
    }

    private static void WriteLocalHeader(Stream s, string name, uint crc, int size)
    {
        var n = Encoding.UTF8.GetBytes(name);
        Span<byte> h = stackalloc byte[30];
        h.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 20);
        BinaryPrimitives.WriteUInt16LittleEndian(h[12..], 0x21);
        BinaryPrimitives.WriteUInt32LittleEndian(h[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(h[18..], (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(h[22..], (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(h[26..], (ushort)n.Length);
        s.Write(h);
        s.Write(n);
    }

    private static readonly uint[] Table = Enumerable.Range(0, 256).Select(i =>
    {
        var c = (uint)i;
        for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
