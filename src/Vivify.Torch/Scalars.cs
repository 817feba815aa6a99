using TorchSharp;

namespace Vivify.Torch;

/// <summary>
/// The numbers Vivify passes to tensor operations, as TorchSharp <see cref="Scalar"/>s that outlive the call.
/// <para>
/// TorchSharp 0.107 turns a number given to a tensor operation (<c>x.div_(255f)</c>, <c>x * 0.5</c>,
/// <c>clamp(0, 1)</c>, and even <c>a + b</c>, whose alpha is an implicit 1) into a native <c>c10::Scalar</c>
/// owned by a temporary <see cref="Scalar"/> object that nothing disposes. Once the operation has read the
/// object's handle nothing references it, so a garbage collection during the native call may run its finalizer,
/// which frees the <c>c10::Scalar</c> while libtorch is still reading it: a use after free that shows as
/// "Expected false to be true … toDouble" from <c>THSTensor_div_scalar_</c> or as a wrong value. Those
/// temporaries also hold native memory until a collection finds them, so a long loop grows.
/// </para>
/// <para>
/// <see cref="S(double)"/> returns a Scalar kept in a small per-thread cache: the same number gives the same
/// object, so a loop allocates nothing, and an entry is disposed only after <see cref="Capacity"/> other numbers
/// have been asked for on that thread, long after the call it was made for has returned. Pass it straight to the
/// operation (<c>x.div_(S(255f))</c>, <c>x * S(0.5)</c>, <c>a.add(b, One)</c>); never keep it in a field.
/// <c>ScalarLifetimeTests</c> holds every Vivify assembly to this: no implicit Scalar, no TorchSharp member that
/// makes one inside.
/// </para>
/// </summary>
public static class Scalars
{
    /// <summary>Numbers kept per thread; far more than any expression passes to one call.</summary>
    public const int Capacity = 256;

    [ThreadStatic] private static Cache? _cache;

    /// <summary>A double (libtorch's floating-point scalar).</summary>
    public static Scalar S(double value) => Get(0, BitConverter.DoubleToInt64Bits(value));

    /// <summary>A float, widened to double exactly as TorchSharp's implicit conversion does.</summary>
    public static Scalar S(float value) => S((double)value);

    /// <summary>An integer (libtorch's int64 scalar): keeps integer tensors integer.</summary>
    public static Scalar S(long value) => Get(1, value);

    /// <summary>An integer (libtorch's int64 scalar).</summary>
    public static Scalar S(int value) => S((long)value);

    /// <summary>A boolean scalar.</summary>
    public static Scalar S(bool value) => Get(2, value ? 1 : 0);

    /// <summary>The integer 1: the alpha of <c>a.add(b, One)</c>, which is <c>a + b</c> without TorchSharp's hidden temporary.</summary>
    public static Scalar One => S(1L);

    /// <summary>
    /// <c>value - tensor</c>, PyTorch's <c>torch.rsub(tensor, value)</c>: TorchSharp's <c>value - tensor</c> operator
    /// computes <c>(-tensor).add(value)</c> through a temporary alpha; this is the same sum with <see cref="One"/>.
    /// </summary>
    public static TorchSharp.torch.Tensor rsub(TorchSharp.torch.Tensor tensor, Scalar value) => tensor.neg().add_(value, One);

    private static Scalar Get(byte kind, long bits) => (_cache ??= new Cache()).Get(kind, bits);

    private sealed class Cache
    {
        private readonly Dictionary<(byte, long), LinkedListNode<(byte Kind, long Bits, Scalar Value)>> _index = new();
        private readonly LinkedList<(byte Kind, long Bits, Scalar Value)> _recent = new();

        public Scalar Get(byte kind, long bits)
        {
            if (_index.TryGetValue((kind, bits), out var node))
            {
                if (node != _recent.First)
                {
                    _recent.Remove(node);
                    _recent.AddFirst(node);
                }
                return node.Value.Value;
            }
            var scalar = kind switch
            {
                0 => BitConverter.Int64BitsToDouble(bits).ToScalar(),
                1 => bits.ToScalar(),
                _ => (bits != 0).ToScalar(),
            };
            _index[(kind, bits)] = _recent.AddFirst((kind, bits, scalar));
            if (_recent.Count > Capacity)
            {
                var oldest = _recent.Last!;
                _recent.RemoveLast();
                _index.Remove((oldest.Value.Kind, oldest.Value.Bits));
                oldest.Value.Value.Dispose();
            }
            return scalar;
        }
    }
}
