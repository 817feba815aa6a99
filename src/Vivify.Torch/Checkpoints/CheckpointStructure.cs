using System.Numerics;

namespace Vivify.Torch.Checkpoints;

/// <summary>
/// Refuses a loaded checkpoint whose containers no PyTorch checkpoint has and that would overwhelm whatever walks
/// it: nesting deeper than <see cref="CheckpointTree.MaxDepth"/> (PyTorch's pickler stops near Python's recursion
/// limit of 1000; hundreds of thousands of levels overflow any recursive walk), a container that holds itself,
/// or references shared so often that the tree they describe (what <see cref="CheckpointTree.Flatten"/> lists,
/// what a conversion writes) is huge though the file is small ("billion laughs": each level holds the previous
/// one twice). Every reader of checkpoints calls this once on what it loaded, so the walks after it (listing,
/// flattening, converting, loading state dicts, disposing tensors) are bounded in depth, time and memory.
/// The check itself is iterative and visits each distinct container once.
/// </summary>
public static class CheckpointStructure
{
    /// <summary>Containers and leaves of the tree, a shared one counted each time it is reached.</summary>
    public const long MaxEntries = 5_000_000;

    /// <summary>Characters of all the dotted keys of the tree (the keys <see cref="CheckpointTree.Flatten"/> builds).</summary>
    public const long MaxKeyCharacters = 100_000_000;

    /// <exception cref="CheckpointFormatException">the structure is refused; the message names the file.</exception>
    public static void Check(object? root, string file)
    {
        if (!IsContainer(root)) return;
        var done = new Dictionary<object, Size>(ReferenceEqualityComparer.Instance);
        var onPath = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var tupleKeys = new Dictionary<PyTuple, long>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Frame>();
        stack.Push(new Frame(root!, Children(root!).GetEnumerator()));
        onPath.Add(root!);
        while (stack.Count > 0)
        {
            var frame = stack.Peek();
            if (frame.Children.MoveNext())
            {
                var (key, child) = frame.Children.Current;
                var keyLength = key is null ? 0 : KeyLength(key, tupleKeys) + 1;
                if (!IsContainer(child))
                {
                    frame.Add(new Size(1, 0, 0), keyLength, file);
                    continue;
                }
                if (done.TryGetValue(child!, out var known))
                {
                    if (stack.Count + known.Depth > CheckpointTree.MaxDepth) throw TooDeep(file);
                    frame.Add(known, keyLength, file);
                    continue;
                }
                if (!onPath.Add(child!))
                    throw Refused(file, "a container holds itself (a reference cycle, which PyTorch checkpoints never have)");
                if (stack.Count >= CheckpointTree.MaxDepth) throw TooDeep(file);
                frame.PendingKeyLength = keyLength;
                stack.Push(new Frame(child!, Children(child!).GetEnumerator()));
                continue;
            }
            stack.Pop();
            onPath.Remove(frame.Node);
            var size = frame.Total;
            done[frame.Node] = size;
            if (stack.Count > 0) stack.Peek().Add(size, stack.Peek().PendingKeyLength, file);
        }
    }

    /// <summary>Nodes of a subtree (itself included), characters of the keys below it relative to it, and its depth.</summary>
    private readonly record struct Size(long Entries, long KeyCharacters, int Depth);

    private sealed class Frame(object node, IEnumerator<(object? Key, object? Child)> children)
    {
        public object Node { get; } = node;
        public IEnumerator<(object? Key, object? Child)> Children { get; } = children;
        public long PendingKeyLength { get; set; }
        private long _entries = 1, _characters;
        private int _depth;

        public Size Total => new(_entries, _characters, _depth + 1);

        public void Add(Size child, long keyLength, string file)
        {
            _entries += child.Entries;
            _characters += child.KeyCharacters + child.Entries * keyLength;
            _depth = Math.Max(_depth, child.Depth);
            if (_entries > MaxEntries)
                throw Refused(file, $"shared references expand to more than {MaxEntries:N0} entries (each level holding the one below several times)");
            if (_characters > MaxKeyCharacters || _characters < 0)
                throw Refused(file, $"its dotted keys would take more than {MaxKeyCharacters:N0} characters (long keys shared across many entries)");
        }
    }

    private static bool IsContainer(object? o) => o is PyDict or List<object?> or PyTuple or PyObject;

    /// <summary>What the walks visit: <see cref="CheckpointTree"/>'s children, and constructor arguments and dict attributes too.</summary>
    private static IEnumerable<(object? Key, object? Child)> Children(object node)
    {
        switch (node)
        {
            case PyDict d:
                foreach (var kv in d) yield return (kv.Key, kv.Value);
                if (d.Attributes is not null) yield return (null, d.Attributes);
                break;
            case List<object?> l:
                for (var i = 0; i < l.Count; i++) yield return ((long)i, l[i]);
                break;
            case PyTuple t:
                for (var i = 0; i < t.Count; i++) yield return ((long)i, t[i]);
                break;
            case PyObject o:
                if (o.State is not null) yield return (null, o.State);
                for (var i = 0; i < o.ListItems.Count; i++) yield return ((long)i, o.ListItems[i]);
                foreach (var kv in o.DictItems) yield return (kv.Key, kv.Value);
                foreach (var a in o.Args) yield return (null, a);
                break;
        }
    }

    /// <summary>The length of <see cref="CheckpointTree.KeyText"/> without building it: a tuple of shared strings may be enormous.</summary>
    private static long KeyLength(object key, Dictionary<PyTuple, long> tuples)
    {
        switch (key)
        {
            case string s: return s.Length;
            case BigInteger b: return (long)(b.GetByteCount() * 2.41) + 2;
            case PyTuple t:
                if (tuples.TryGetValue(t, out var known)) return known;
                long n = 2 + (t.Count == 1 ? 1 : 0) + 2L * Math.Max(0, t.Count - 1);
                foreach (var item in t.Items)
                    n += item switch { string s => s.Length + 2, null => 4, _ => KeyLength(item, tuples) };
                return tuples[t] = Math.Min(n, long.MaxValue / 4);
            default: return CheckpointTree.KeyText(key).Length;
        }
    }

    private static CheckpointStructureException TooDeep(string file) =>
        Refused(file, $"its containers are nested deeper than {CheckpointTree.MaxDepth} levels (PyTorch cannot save such a file)");

    private static CheckpointStructureException Refused(string file, string why) =>
        new($"checkpoint {file}: refused: {why}; it cannot be a checkpoint PyTorch wrote, only load files you trust");
}

/// <summary>A checkpoint whose structure <see cref="CheckpointStructure"/> refuses (too deep, a cycle, sharing that explodes).</summary>
public sealed class CheckpointStructureException(string message) : CheckpointFormatException(message);
