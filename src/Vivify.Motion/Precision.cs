using static TorchSharp.torch;

namespace Vivify.Motion;

/// <summary>Mixed precision: reductions and keypoint geometry of a bf16/fp16 model run in float32.</summary>
internal static class Precision
{
    /// <summary><paramref name="t"/> itself when float32/float64, else a float32 copy.</summary>
    public static Tensor Accumulating(Tensor t) =>
        t.dtype is ScalarType.BFloat16 or ScalarType.Float16 ? t.to(ScalarType.Float32) : t;
}
