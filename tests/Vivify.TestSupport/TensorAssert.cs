using TorchSharp;
using Xunit;
using Xunit.Sdk;
using static TorchSharp.torch;

namespace Vivify.TestSupport;

/// <summary>
/// Tolerance assertions for tensors, each tolerance explicit at the call site. Failures report the
/// largest difference, where it is, and both values there.
/// </summary>
public static class TensorAssert
{
    /// <summary>|actual - expected| &lt;= atol everywhere (after casting both to float64).</summary>
    public static void AllCloseAbs(Tensor expected, Tensor actual, double atol, string what = "tensor")
    {
        SameShape(expected, actual, what);
        using var scope = NewDisposeScope();
        var e = expected.detach().to(float64, CPU);
        var a = actual.detach().to(float64, CPU);
        if (a.numel() == 0) return;
        var diff = (a - e).abs();
        Finite(a, what);
        var max = diff.max().item<double>();
        if (!(max <= atol))
        {
            var idx = diff.flatten().argmax().item<long>();
            throw new XunitException($"{what}: max |diff| {max:G6} > atol {atol:G3} at flat index {idx} (expected {e.flatten()[idx].item<double>():G9}, actual {a.flatten()[idx].item<double>():G9})");
        }
    }

    /// <summary>‖actual − expected‖₂ / max(‖expected‖₂, tiny) &lt;= rtol: the relative error of a whole tensor (gradients).</summary>
    public static void RelativeNorm(Tensor expected, Tensor actual, double rtol, string what = "tensor")
    {
        SameShape(expected, actual, what);
        using var scope = NewDisposeScope();
        var e = expected.detach().to(float64, CPU);
        var a = actual.detach().to(float64, CPU);
        Finite(a, what);
        var num = (a - e).norm().item<double>();
        var den = Math.Max(e.norm().item<double>(), 1e-30);
        if (!(num / den <= rtol))
            throw new XunitException($"{what}: relative error {num / den:G6} > rtol {rtol:G3} (‖diff‖ {num:G6}, ‖expected‖ {den:G6})");
    }

    /// <summary>
    /// mean |actual − expected| / √mean(expected²), in float64: a reduced precision's error relative to the size of the
    /// values (not an assertion; bf16 tests compare it with bounds and with another path's).
    /// </summary>
    public static double MeanErrorOfRms(Tensor expected, Tensor actual)
    {
        SameShape(expected, actual, "tensor");
        using var scope = NewDisposeScope();
        var e = expected.detach().to(float64, CPU);
        return (actual.detach().to(float64, CPU) - e).abs().mean().item<double>() / e.pow(2).mean().sqrt().item<double>();
    }

    /// <summary>|actual - expected| &lt;= rtol·|expected| for scalars (losses).</summary>
    public static void CloseRel(double expected, double actual, double rtol, string what = "value")
    {
        var err = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-30);
        if (!(err <= rtol)) throw new XunitException($"{what}: expected {expected:G9}, actual {actual:G9}, relative error {err:G4} > {rtol:G3}");
    }

    public static void Equal(Tensor expected, Tensor actual, string what = "tensor")
    {
        SameShape(expected, actual, what);
        Assert.True(expected.dtype == actual.dtype, $"{what}: dtype {actual.dtype} != expected {expected.dtype}");
        Assert.True(expected.cpu().eq(actual.cpu()).all().item<bool>(), $"{what}: values differ");
    }

    public static void SameShape(Tensor expected, Tensor actual, string what)
    {
        if (!expected.shape.SequenceEqual(actual.shape))
            throw new XunitException($"{what}: shape [{string.Join(",", actual.shape)}] != expected [{string.Join(",", expected.shape)}]");
    }

    private static void Finite(Tensor a, string what)
    {
        if (!torch.isfinite(a).all().item<bool>()) throw new XunitException($"{what}: has NaN or infinite values");
    }
}
