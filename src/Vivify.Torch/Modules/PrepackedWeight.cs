using static TorchSharp.torch;

namespace Vivify.Torch.Modules;

/// <summary>
/// A convolution's weight for inference, laid out once in oneDNN's blocked format where that serves
/// (<see cref="OneDnnOps"/>: bf16 on the CPU, no gradient), so that no call lays it out again; libtorch's convolution
/// elsewhere. The same values either way (the same oneDNN convolution computes them).
/// </summary>
/// <remarks>
/// The weight is laid out for the first input it convolves (oneDNN picks the layout by the shapes); inputs of other
/// shapes are computed all the same (oneDNN lays a weight out for them as it needs). The weight must not change while
/// this is used (the owners hold weights made for inference: folded copies, or released models); it is not owned.
/// The laid-out copy is the weight's size again (bf16).
/// </remarks>
public sealed class PrepackedWeight(Tensor weight, long[] padding, long[] stride, long groups = 1) : IDisposable
{
    private readonly Lock _gate = new();
    private Tensor? _packed;
    private bool _disposed;

    /// <summary>For a square padding and stride.</summary>
    public PrepackedWeight(Tensor weight, long padding, long stride = 1, long groups = 1)
        : this(weight, [padding, padding], [stride, stride], groups) { }

    /// <summary>The weight as given (the one libtorch's convolution reads).</summary>
    public Tensor weight { get; } = weight;

    /// <summary>Whether a weight has been laid out (by a call that <see cref="OneDnnOps.Serves"/>).</summary>
    public bool IsPacked => _packed is not null;

    /// <summary>conv2d(x, weight, bias) with this padding, stride and groups.</summary>
    public Tensor conv2d(Tensor x, Tensor? bias)
    {
        if (OneDnnOps.Serves(x, weight) && Packed(x) is { } packed) return OneDnnOps.Conv(x, packed, bias, padding, stride, groups);
        return nn.functional.conv2d(x, weight, bias, strides: stride, padding: padding, groups: groups);
    }

    private Tensor? Packed(Tensor x)
    {
        lock (_gate)
        {
            if (_disposed) return null;
            if (_packed is null)
            {
                using var scope = NewDisposeScope();
                _packed = OneDnnOps.Pack(weight, padding, stride, groups, x.shape).DetachFromDisposeScope();
            }
            return _packed;
        }
    }

    /// <summary>Frees the laid-out copy (not the weight).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _packed?.Dispose();
            _packed = null;
        }
    }
}
