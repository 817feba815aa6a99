using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Blocks;

/// <summary>
/// Elementwise steps on a tensor that the caller has just computed and nobody else holds: in place when no
/// gradient is being recorded (inference), which saves a tensor's allocation and a pass over memory; as new
/// tensors otherwise, as the published code computes them. The values are the same either way.
/// </summary>
internal static class Fresh
{
    public static Tensor Relu(Tensor fresh) => is_grad_enabled() ? nn.functional.relu(fresh) : fresh.relu_();

    public static Tensor Sigmoid(Tensor fresh) => is_grad_enabled() ? sigmoid(fresh) : fresh.sigmoid_();

    public static Tensor Add(Tensor fresh, Tensor other) => is_grad_enabled() ? fresh.add(other, One) : fresh.add_(other, One);
}
