using System.Globalization;
using System.Numerics;
using System.Text;

namespace Vivify.Torch.Checkpoints;

/// <summary>
/// A pickle virtual machine (protocols 0–5) that builds Vivify's object model (see PyValues.cs) and
/// never runs Python: globals resolve through <see cref="PickleGlobals"/>, an allowlist.
/// Every length is bounded by the remaining input, the machine is iterative (no recursion) and
/// nested tuples are limited, so malformed input ends in a <see cref="PickleFormatException"/>.
/// </summary>
internal sealed class Unpickler
{
    public const int MaxTupleDepth = 100;
    /// <summary>Integers beyond this many bytes are refused: turning one into decimal text takes time quadratic in its size.</summary>
    public const int MaxIntegerBytes = 1024;
    public const long MaxTupleWeight = 1 << 20;
    // Far above any real checkpoint (a 100k-tensor model needs about 10^6 memo entries and a few
    // levels of MARK), low enough that hostile input cannot make the machine hoard memory.
    public const int MaxStack = 5_000_000, MaxMarks = 100_000, MaxMemo = 5_000_000, MaxContainers = 2_000_000;
    private int _containers;

    private readonly PickleInput _in;
    private readonly PickleGlobals _globals;
    private readonly Func<object?, object?>? _persistentLoad;
    private List<object?> _stack = new();
    private readonly Stack<List<object?>> _marks = new();
    private readonly Dictionary<long, object?> _memo = new();
    private readonly Dictionary<PyTuple, (int Depth, long Weight)> _tupleShape = new(ReferenceEqualityComparer.Instance);

    public Unpickler(PickleInput input, PickleGlobals globals, Func<object?, object?>? persistentLoad)
    {
        _in = input;
        _globals = globals;
        _persistentLoad = persistentLoad;
    }

    /// <summary>Runs to STOP and returns the pickled object.</summary>
    public object? Load()
    {
        while (true)
        {
            var op = _in.ReadByte();
            switch (op)
            {
                case 0x80: // PROTO
                    var proto = _in.ReadByte();
                    if (proto > 5) throw new PickleFormatException($"unsupported pickle protocol {proto}");
                    break;
                case 0x95: // FRAME: an 8-byte frame length; frames are read through, but must fit the input
                    var frame = _in.ReadUInt64();
                    if (frame > (ulong)_in.Remaining) throw PickleInput.Truncated((long)Math.Min(frame, long.MaxValue));
                    break;
                case (byte)'.': // STOP
                    return Pop();
                case (byte)'(': // MARK
                    if (_marks.Count >= MaxMarks) throw new PickleFormatException($"more than {MaxMarks} nested MARKs");
                    _marks.Push(_stack);
                    _stack = new();
                    break;
                case (byte)'0': // POP
                    if (_stack.Count > 0) Pop(); else PopMark();
                    break;
                case (byte)'1': PopMark(); break; // POP_MARK
                case (byte)'2': Push(Peek()); break; // DUP

                // ---- scalars
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'J': Push((long)_in.ReadInt32()); break;
                case (byte)'K': Push((long)_in.ReadByte()); break;
                case (byte)'M': Push((long)_in.ReadUInt16()); break;
                case 0x8a: Push(DecodeLong(_in.ReadBytes(_in.ReadByte()))); break; // LONG1
                case 0x8b: // LONG4
                    var n4 = _in.ReadInt32();
                    if (n4 < 0) throw new PickleFormatException("negative LONG4 length");
                    if (n4 > MaxIntegerBytes) throw new PickleFormatException($"an integer of {n4} bytes (checkpoints hold none above 8; printing it would take hours)");
                    Push(DecodeLong(_in.ReadBytes(n4)));
                    break;
                case (byte)'G': Push(_in.ReadFloat64BigEndian()); break;
                case (byte)'I': Push(ParseIntLine(_in.ReadLine())); break;
                case (byte)'L': Push(ParseLongLine(_in.ReadLine())); break;
                case (byte)'F': Push(ParseFloat(_in.ReadLine())); break;

                // ---- strings and bytes
                case (byte)'X': Push(Utf8(_in.ReadBytes(_in.ReadUInt32()))); break; // BINUNICODE
                case 0x8c: Push(Utf8(_in.ReadBytes(_in.ReadByte()))); break; // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(_in.ReadBytes(CheckedLength(_in.ReadUInt64())))); break; // BINUNICODE8
                case (byte)'V': Push(PickleText.RawUnicodeEscape(_in.ReadLine())); break; // UNICODE
                case (byte)'S': Push(PickleText.PythonStringLiteral(_in.ReadLine())); break; // STRING
                case (byte)'T': // BINSTRING (Python 2 str): decoded as torch does (utf-8)
                    var nt = _in.ReadInt32();
                    if (nt < 0) throw new PickleFormatException("negative BINSTRING length");
                    Push(Utf8(_in.ReadBytes(nt)));
                    break;
                case (byte)'U': Push(Utf8(_in.ReadBytes(_in.ReadByte()))); break; // SHORT_BINSTRING
                case (byte)'B': Push(_in.ReadBytes(_in.ReadUInt32())); break; // BINBYTES
                case (byte)'C': Push(_in.ReadBytes(_in.ReadByte())); break; // SHORT_BINBYTES
                case 0x8e: Push(_in.ReadBytes(CheckedLength(_in.ReadUInt64()))); break; // BINBYTES8
                case 0x96: Push(_in.ReadBytes(CheckedLength(_in.ReadUInt64()))); break; // BYTEARRAY8
                case 0x97: case 0x98: throw new PickleFormatException("out-of-band pickle buffers are not supported");

                // ---- containers
                case (byte)'}': Push(new PyDict()); break;
                case (byte)']': Push(new List<object?>()); break;
                case (byte)')': Push(new PyTuple()); break;
                case (byte)'d': Push(DictFrom(PopMark())); break;
                case (byte)'l': Push(PopMark()); break;
                case (byte)'t': Push(MakeTuple(PopMark().ToArray())); break;
                case 0x85: Push(MakeTuple(Pop())); break;
                case 0x86: { var b = Pop(); var a = Pop(); Push(MakeTuple(a, b)); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(MakeTuple(a, b, c)); break; }
                case 0x8f: Push(PickleGlobals.NewSet("set")); break; // EMPTY_SET
                case 0x91: { var s = PickleGlobals.NewSet("frozenset"); s.ListItems.AddRange(PopMark()); Push(s); break; }
                case 0x90: { var items = PopMark(); PickleGlobals.AddItems(Peek(), items); break; } // ADDITEMS
                case (byte)'a': { var v = Pop(); PickleGlobals.Append(Peek(), new List<object?> { v }); break; }
                case (byte)'e': { var items = PopMark(); PickleGlobals.Append(Peek(), items); break; }
                case (byte)'s': { var v = Pop(); var k = Pop(); PickleGlobals.SetItem(Peek(), k, v); break; }
                case (byte)'u':
                    {
                        var items = PopMark();
                        if (items.Count % 2 != 0) throw new PickleFormatException("SETITEMS with an odd number of items");
                        var target = Peek();
                        for (var i = 0; i < items.Count; i += 2) PickleGlobals.SetItem(target, items[i], items[i + 1]);
                        break;
                    }

                // ---- memo
                case (byte)'h': Push(MemoGet(_in.ReadByte())); break;
                case (byte)'j': Push(MemoGet(_in.ReadUInt32())); break;
                case (byte)'g': Push(MemoGet(ParseMemoIndex(_in.ReadLine()))); break;
                case (byte)'q': Memo(_in.ReadByte(), Peek()); break;
                case (byte)'r': Memo(_in.ReadUInt32(), Peek()); break;
                case (byte)'p': Memo(ParseMemoIndex(_in.ReadLine()), Peek()); break;
                case 0x94: Memo(_memo.Count, Peek()); break; // MEMOIZE

                // ---- globals and objects
                case (byte)'c': { var module = _in.ReadLine(); var name = _in.ReadLine(); Push(_globals.Resolve(module, name)); break; }
                case 0x93: // STACK_GLOBAL
                    {
                        var name = Pop() as string; var module = Pop() as string;
                        if (module is null || name is null) throw new PickleFormatException("STACK_GLOBAL needs two strings");
                        Push(_globals.Resolve(module, name));
                        break;
                    }
                case (byte)'R': { var args = Pop(); var f = Pop(); Push(Track(_globals.Call(f, AsArgs(args, "REDUCE")))); break; }
                case 0x81: { var args = Pop(); var cls = Pop(); Push(Track(_globals.NewObject(cls, AsArgs(args, "NEWOBJ")))); break; }
                case 0x92: // NEWOBJ_EX
                    {
                        var kwargs = Pop(); var args = Pop(); var cls = Pop();
                        if (kwargs is PyDict { Count: > 0 }) throw new PickleFormatException("NEWOBJ_EX with keyword arguments is not supported");
                        Push(Track(_globals.NewObject(cls, AsArgs(args, "NEWOBJ_EX"))));
                        break;
                    }
                case (byte)'i': // INST
                    {
                        var module = _in.ReadLine(); var name = _in.ReadLine();
                        var cls = _globals.Resolve(module, name);
                        Push(Track(_globals.NewObject(cls, PopMark().ToArray())));
                        break;
                    }
                case (byte)'o': // OBJ
                    {
                        var items = PopMark();
                        if (items.Count == 0) throw new PickleFormatException("OBJ without a class");
                        Push(Track(_globals.NewObject(items[0], items.Skip(1).ToArray())));
                        break;
                    }
                case (byte)'b': { var state = Pop(); PickleGlobals.Build(Peek(), state); break; }
                case (byte)'Q': Push(PersistentLoad(Pop())); break; // BINPERSID
                case (byte)'P': Push(PersistentLoad(_in.ReadLine())); break; // PERSID
                case 0x82:
                case 0x83:
                case 0x84:
                    throw new PickleFormatException("pickle extension-registry codes (EXT1/2/4) are not supported");
                default:
                    throw new PickleFormatException($"unknown pickle opcode 0x{op:x2} at byte {_in.Position - 1}");
            }
        }
    }

    private void Push(object? o)
    {
        if (_stack.Count >= MaxStack) throw new PickleFormatException($"pickle stack deeper than {MaxStack}");
        if (o is PyDict or List<object?> or PyTuple or PyObject && ++_containers > MaxContainers)
            throw new PickleFormatException($"more than {MaxContainers} containers");
        _stack.Add(o);
    }

    private void Memo(long index, object? value)
    {
        if (_memo.Count >= MaxMemo && !_memo.ContainsKey(index)) throw new PickleFormatException($"more than {MaxMemo} memo entries");
        _memo[index] = value;
    }

    private object? Pop()
    {
        if (_stack.Count == 0) throw new PickleFormatException("pickle stack underflow");
        var o = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return o;
    }

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw new PickleFormatException("pickle stack underflow");

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw new PickleFormatException("pickle MARK missing");
        var items = _stack;
        _stack = _marks.Pop();
        return items;
    }

    private object? MemoGet(long index) =>
        _memo.TryGetValue(index, out var v) ? v : throw new PickleFormatException($"pickle memo entry {index} is missing");

    private object? PersistentLoad(object? pid) =>
        _persistentLoad is null ? throw new PickleFormatException("unexpected persistent id") : _persistentLoad(pid);

    /// <summary>
    /// Tuples are hashed and compared structurally (they can be dict keys), so their nesting depth and
    /// their size counted as a tree (shared sub-tuples counted each time) are bounded.
    /// </summary>
    private PyTuple MakeTuple(params object?[] items) => Track(new PyTuple(items));

    private object? Track(object? o) => o is PyTuple t && !_tupleShape.ContainsKey(t) ? Track(t) : o;

    private PyTuple Track(PyTuple tuple)
    {
        var items = tuple.Items;
        var depth = 1;
        long weight = 1 + items.Length;
        foreach (var item in items)
            if (item is PyTuple t && _tupleShape.TryGetValue(t, out var shape))
            {
                depth = Math.Max(depth, shape.Depth + 1);
                weight += shape.Weight;
            }
        if (depth > MaxTupleDepth) throw new PickleFormatException($"tuples nested deeper than {MaxTupleDepth}");
        if (weight > MaxTupleWeight) throw new PickleFormatException("nested tuples too large");
        _tupleShape[tuple] = (depth, weight);
        return tuple;
    }

    private static PyDict DictFrom(List<object?> items)
    {
        if (items.Count % 2 != 0) throw new PickleFormatException("DICT with an odd number of items");
        var d = new PyDict();
        for (var i = 0; i < items.Count; i += 2) PickleGlobals.SetItem(d, items[i], items[i + 1]);
        return d;
    }

    private static object?[] AsArgs(object? args, string op) =>
        args is PyTuple t ? t.Items : throw new PickleFormatException($"{op} arguments are not a tuple");

    private long CheckedLength(ulong n) => n > (ulong)_in.Remaining ? throw PickleInput.Truncated((long)Math.Min(n, long.MaxValue)) : (long)n;

    private static string Utf8(byte[] b)
    {
        try { return new UTF8Encoding(false, true).GetString(b); }
        catch (DecoderFallbackException) { throw new PickleFormatException("invalid UTF-8 in a pickled string"); }
    }

    /// <summary>Python's two's-complement little-endian long encoding; a long when it fits.</summary>
    private static object DecodeLong(byte[] b)
    {
        if (b.Length == 0) return 0L;
        var v = new BigInteger(b, isUnsigned: false, isBigEndian: false);
        return v >= long.MinValue && v <= long.MaxValue ? (object)(long)v : v;
    }

    private static object ParseIntLine(string s)
    {
        if (s == "00") return false;
        if (s == "01") return true;
        return ParseLongLine(s);
    }

    private static object ParseLongLine(string s)
    {
        s = s.Trim();
        if (s.EndsWith('L')) s = s[..^1];
        if (s.Length is 0 or > 10000 || !BigInteger.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            throw new PickleFormatException("invalid integer in pickle");
        return v >= long.MinValue && v <= long.MaxValue ? (object)(long)v : v;
    }

    private static double ParseFloat(string s) => s.Trim() switch
    {
        "nan" => double.NaN,
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        var t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new PickleFormatException("invalid float in pickle"),
    };

    private static long ParseMemoIndex(string s) =>
        long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw new PickleFormatException("invalid memo index");
}
