using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using System.Text;

namespace Vivify.TestSupport;

/// <summary>
/// Checkpoints built at run time with structures no PyTorch checkpoint has: containers nested hundreds of
/// thousands of levels deep, references shared so that the tree they describe is exponential ("billion
/// laughs"), containers that hold themselves, long keys shared by many entries, huge integers, wide lists.
/// Written as raw pickle opcodes (PyTorch's own pickler cannot even produce most of them).
/// </summary>
public static class HostileCheckpoints
{
    public enum Container { List, Dict, OrderedDict, Tuple, FrozenSet, Module }

    /// <summary>
    /// Pickle protocol-4 opcodes, with memo indices from 0. <see cref="Stop"/> ends the pickle and releases the
    /// builder's stream (as <see cref="Dispose"/> does, idempotently); adding to it afterwards throws ObjectDisposedException.
    /// </summary>
    public sealed class PickleBuilder : IDisposable
    {
        private readonly MemoryStream _out = new();
        public PickleBuilder() { _out.WriteByte(0x80); _out.WriteByte(4); }
        public void Dispose() => _out.Dispose();
        public PickleBuilder Op(char op) { _out.WriteByte((byte)op); return this; }
        public PickleBuilder Op(byte op) { _out.WriteByte(op); return this; }
        public PickleBuilder Int(long v)
        {
            if (v is >= 0 and < 256) { Op('K'); _out.WriteByte((byte)v); }
            else { Op('J'); _out.Write(BitConverter.GetBytes((int)v)); }
            return this;
        }
        public PickleBuilder Str(string s)
        {
            var b = Encoding.UTF8.GetBytes(s);
            Op('X');
            _out.Write(BitConverter.GetBytes(b.Length));
            _out.Write(b);
            return this;
        }
        public PickleBuilder Put(int memo) { Op('r'); _out.Write(BitConverter.GetBytes(memo)); return this; }
        public PickleBuilder Get(int memo) { Op('j'); _out.Write(BitConverter.GetBytes(memo)); return this; }
        public PickleBuilder Global(string module, string name) { Op('c'); _out.Write(Encoding.ASCII.GetBytes(module + "\n" + name + "\n")); return this; }
        public PickleBuilder Raw(byte[] bytes) { _out.Write(bytes); return this; }
        public byte[] Stop()
        {
            Op('.');
            var bytes = _out.ToArray();
            Dispose();
            return bytes;
        }
    }

    /// <summary>Containers nested <paramref name="depth"/> levels deep (the innermost empty), e.g. [[[…]]].</summary>
    public static byte[] Deep(int depth, Container kind)
    {
        using var p = new PickleBuilder();
        switch (kind)
        {
            case Container.List: // ] ] ] … then APPEND each into the one below
                for (var i = 0; i < depth; i++) p.Op(']');
                for (var i = 1; i < depth; i++) p.Op('a');
                break;
            case Container.Dict:
            case Container.OrderedDict:
                for (var i = 0; i < depth; i++)
                {
                    if (kind == Container.Dict) p.Op('}');
                    else p.Global("collections", "OrderedDict").Op(')').Op('R');
                    if (i < depth - 1) p.Str("a");
                }
                for (var i = 1; i < depth; i++) p.Op('s');
                break;
            case Container.Tuple: // () then TUPLE1 around it, again and again
                p.Op(')');
                for (var i = 1; i < depth; i++) p.Op(0x85);
                break;
            case Container.FrozenSet: // MARK … MARK FROZENSET … FROZENSET
                for (var i = 0; i < depth; i++) p.Op('(');
                for (var i = 0; i < depth; i++) p.Op(0x91);
                break;
            case Container.Module: // Sequential objects whose __dict__ holds the next one: obj d 'a' obj d 'a' … obj, then SETITEM BUILD
                for (var i = 0; i < depth; i++)
                {
                    p.Global("torch.nn.modules.container", "Sequential").Op(')').Op(0x81);
                    if (i < depth - 1) p.Op('}').Str("a");
                }
                for (var i = 1; i < depth; i++) p.Op('s').Op('b');
                break;
        }
        return p.Stop();
    }

    /// <summary>
    /// "Billion laughs": level 0 is an empty container, each next level holds the previous one <paramref name="fanout"/>
    /// times (memo references, so the file stays small); the tree has fanout^levels nodes.
    /// </summary>
    public static byte[] Laughs(int levels, int fanout, Container kind, bool withLeaf = true)
    {
        using var p = new PickleBuilder();
        if (withLeaf) p.Op(']').Int(7).Op('a').Put(0);
        else p.Op(']').Put(0);
        for (var level = 1; level < levels; level++)
        {
            switch (kind)
            {
                case Container.Dict:
                    p.Op('}').Op('(');
                    for (var k = 0; k < fanout; k++) p.Str("k" + k).Get(level - 1);
                    p.Op('u');
                    break;
                case Container.Tuple:
                    p.Op('(');
                    for (var k = 0; k < fanout; k++) p.Get(level - 1);
                    p.Op('t');
                    break;
                default:
                    p.Op(']').Op('(');
                    for (var k = 0; k < fanout; k++) p.Get(level - 1);
                    p.Op('e');
                    break;
            }
            p.Put(level);
        }
        return p.Stop();
    }

    /// <summary>A list that contains itself, or a dict that does, or two lists that contain each other.</summary>
    public static byte[] Cycle(int variant) => variant switch
    {
        0 => new PickleBuilder().Op(']').Put(0).Get(0).Op('a').Stop(),
        1 => new PickleBuilder().Op('}').Put(0).Str("self").Get(0).Op('s').Stop(),
        _ => new PickleBuilder().Op(']').Put(0).Op(']').Put(1).Get(0).Op('a').Op('a').Stop(), // a = [b], b = [a]
    };

    /// <summary>Dicts nested <paramref name="depth"/> deep whose keys are all the same (memoized) string of <paramref name="keyLength"/> characters.</summary>
    public static byte[] SharedLongKeys(int depth, int keyLength)
    {
        using var p = new PickleBuilder().Str(new string('k', keyLength)).Put(0).Op('0');
        for (var i = 0; i < depth; i++) p.Op('}').Get(0);
        p.Int(1);
        for (var i = 0; i < depth; i++) p.Op('s');
        return p.Stop();
    }

    /// <summary>A list of <paramref name="items"/> integers.</summary>
    public static byte[] Wide(int items)
    {
        using var p = new PickleBuilder().Op(']');
        for (var start = 0; start < items; start += 1000)
        {
            p.Op('(');
            for (var i = start; i < Math.Min(items, start + 1000); i++) p.Int(i & 0xff);
            p.Op('e');
        }
        return p.Stop();
    }

    /// <summary>An integer of <paramref name="bytes"/> bytes (LONG4).</summary>
    public static byte[] HugeInteger(int bytes)
    {
        var data = new byte[bytes];
        new Random(bytes).NextBytes(data);
        data[^1] = 0x3f;
        return new PickleBuilder().Op(0x8b).Raw(BitConverter.GetBytes(bytes)).Raw(data).Stop();
    }

    /// <summary>{"generator": <paramref name="inner"/>, "kp_detector": {}, "epoch": 1}: the layout loaders look for first.</summary>
    public static byte[] InCheckpointDict(byte[] innerPickle)
    {
        using var p = new PickleBuilder().Op('}').Op('(').Str("generator");
        p.Raw(innerPickle[2..^1]); // the inner pickle's opcodes without PROTO and STOP
        p.Str("kp_detector").Op('}').Str("epoch").Int(1).Op('u');
        return p.Stop();
    }

    /// <summary>PyTorch's zip layout: archive/data.pkl (no storages).</summary>
    public static byte[] Zip(byte[] pickle)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) s.Write(pickle);
            using (var s = zip.CreateEntry("archive/version", CompressionLevel.NoCompression).Open()) s.Write("3\n"u8);
        }
        return ms.ToArray();
    }

    /// <summary>PyTorch's legacy layout: magic number, protocol version, sys_info, the pickle, an empty storage-key list.</summary>
    public static byte[] Legacy(byte[] pickle)
    {
        var magic = BigInteger.Parse("119547037146038801333356", CultureInfo.InvariantCulture).ToByteArray();
        using var ms = new MemoryStream();
        ms.Write(new PickleBuilder().Op(0x8a).Op((byte)magic.Length).Raw(magic).Stop());
        ms.Write(new PickleBuilder().Int(1001).Stop());
        ms.Write(new PickleBuilder().Op('}').Op('(').Str("protocol_version").Int(1001).Str("little_endian").Op(0x88).Op('u').Stop());
        ms.Write(pickle);
        ms.Write(new PickleBuilder().Op(']').Stop());
        return ms.ToArray();
    }

    /// <summary>One structural mutation with random parameters (depth, sharing, sizes); its name says which.</summary>
    public static (string What, byte[] Pickle) RandomCase(Random rng)
    {
        var kinds = Enum.GetValues<Container>();
        var kind = kinds[rng.Next(kinds.Length)];
        switch (rng.Next(7))
        {
            case 0:
            case 1:
                var depth = rng.Next(5) switch
                {
                    0 => 2 + rng.Next(999), // accepted
                    1 => 1001 + rng.Next(4000),
                    2 => 10_000 + rng.Next(90_000),
                    _ => 100_000 + rng.Next(kind == Container.FrozenSet ? 0 : 250_000),
                };
                if (kind == Container.FrozenSet) depth = Math.Min(depth, 99_000);
                return ($"{kind} nested {depth} deep", Deep(depth, kind));
            case 2:
            case 3:
                var levels = 8 + rng.Next(60);
                var fanout = 2 + rng.Next(3);
                var laughKind = new[] { Container.List, Container.Dict, Container.Tuple }[rng.Next(3)];
                return ($"{laughKind} laughs, {levels} levels of fanout {fanout}", Laughs(levels, fanout, laughKind, withLeaf: rng.Next(2) == 0));
            case 4:
                var v = rng.Next(3);
                return ($"cycle {v}", Cycle(v));
            case 5:
                var d = 1 + rng.Next(900);
                var len = rng.Next(3) == 0 ? 1 + rng.Next(100) : 100_000 + rng.Next(1_000_000);
                return ($"dicts {d} deep sharing a {len}-character key", SharedLongKeys(d, len));
            default:
                var n = rng.Next(2) == 0 ? 1 + rng.Next(2_000) : 1 + rng.Next(4_000_000);
                return rng.Next(2) == 0 ? ($"integer of {n} bytes", HugeInteger(n)) : ($"list of {n / 4} integers", Wide(n / 4));
        }
    }
}
