using static TorchSharp.torch;

namespace Vivify.Motion;

/// <summary>
/// Keypoints as the published code's dict: <c>value</c> [N, K, 2] in [-1, 1] (x, y) and, for the
/// first-order model, <c>jacobian</c> [N, K, 2, 2]. Disposing disposes both tensors.
/// </summary>
public sealed record Keypoints(Tensor value, Tensor? jacobian) : IDisposable
{
    /// <summary>A copy of item <paramref name="index"/> of the batch, as a batch of one.</summary>
    public Keypoints Item(long index) => new(value.narrow(0, index, 1).clone(), jacobian?.narrow(0, index, 1).clone());

    public Keypoints MoveToOuterDisposeScope()
    {
        value.MoveToOuterDisposeScope();
        jacobian?.MoveToOuterDisposeScope();
        return this;
    }

    public Keypoints DetachFromDisposeScope()
    {
        value.DetachFromDisposeScope();
        jacobian?.DetachFromDisposeScope();
        return this;
    }

    public void Dispose()
    {
        value.Dispose();
        jacobian?.Dispose();
    }
}
