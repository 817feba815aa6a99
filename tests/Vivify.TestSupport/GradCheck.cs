using TorchSharp;
using Xunit.Sdk;
using static TorchSharp.torch;

namespace Vivify.TestSupport;

/// <summary>
/// Finite-difference gradient checks in float64, as <c>torch.autograd.gradcheck</c> does them but on a
/// scalar projection: L(x) = Σ f(x) ⊙ r with a fixed random r, so one backward gives ∂L/∂x and each input
/// element costs two forward calls. Every element of every input is checked with central differences
/// (L(x + ε) − L(x − ε)) / 2ε against autograd, passing when |analytic − numeric| ≤ atol + rtol·|numeric|.
/// Defaults are gradcheck's: ε = 1e-6, atol = 1e-5, rtol = 1e-3. Keep inputs small (tens to a few
/// hundred elements): the cost is 2·numel forwards.
/// </summary>
public static class GradCheck
{
    public const double DefaultEps = 1e-6, DefaultAtol = 1e-5, DefaultRtol = 1e-3;

    /// <summary>
    /// Checks <paramref name="f"/>'s gradient with respect to every input. Inputs must be float64; they are
    /// cloned (the caller's tensors are left alone). <paramref name="f"/> must be deterministic and must
    /// not change state between calls.
    /// </summary>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = DefaultEps, double atol = DefaultAtol,
        double rtol = DefaultRtol, string what = "function", long seed = 1234)
    {
        using var scope = NewDisposeScope();
        var xs = inputs.Select(x => x.detach().clone().requires_grad_(true)).ToArray();
        CheckLeaves(() => f(xs), xs, eps, atol, rtol, what, seed);
    }

    /// <summary>
    /// Checks the gradient of <paramref name="f"/> with respect to leaf tensors it reads (a module's
    /// parameters, an input with requires_grad): each leaf is perturbed in place (under no_grad) and
    /// restored. Leaves must be float64 and require grad; <paramref name="f"/> must be deterministic
    /// (a module in eval mode).
    /// </summary>
    public static void CheckLeaves(Func<Tensor> f, Tensor[] leaves, double eps = DefaultEps, double atol = DefaultAtol,
        double rtol = DefaultRtol, string what = "function", long seed = 1234)
    {
        using var scope = NewDisposeScope();
        foreach (var x in leaves)
        {
            if (x.dtype != float64) throw new ArgumentException($"{what}: gradcheck needs float64 tensors, got {x.dtype}");
            if (!x.requires_grad) throw new ArgumentException($"{what}: gradcheck needs tensors that require grad");
        }

        var output = f();
        var gen = new Generator((ulong)seed);
        var r = randn(output.shape, float64, generator: gen);
        var loss = (output * r).sum();
        var analytic = torch.autograd.grad(new[] { loss }, leaves, allow_unused: true)
            .Select((g, i) => g is null || g.IsInvalid ? zeros_like(leaves[i]) : g).ToArray();

        for (int i = 0; i < leaves.Length; i++)
        {
            var numeric = Numeric(f, leaves[i], r, eps);
            Compare(analytic[i], numeric, atol, rtol, $"{what}: d/d tensor {i}");
        }
    }

    /// <summary>Central-difference gradient of Σ f() ⊙ r with respect to <paramref name="leaf"/>.</summary>
    private static Tensor Numeric(Func<Tensor> f, Tensor leaf, Tensor r, double eps)
    {
        var grad = zeros_like(leaf);
        var flatGrad = grad.view(-1);
        using var _ = no_grad();
        var flat = leaf.detach().view(-1);
        for (long k = 0; k < flat.numel(); k++)
        {
            using var inner = NewDisposeScope();
            var orig = flat[k].item<double>();
            flat[k] = orig + eps;
            var plus = (f() * r).sum().item<double>();
            flat[k] = orig - eps;
            var minus = (f() * r).sum().item<double>();
            flat[k] = orig;
            flatGrad[k] = (plus - minus) / (2 * eps);
        }
        return grad;
    }

    private static void Compare(Tensor analytic, Tensor numeric, double atol, double rtol, string what)
    {
        var diff = (analytic - numeric).abs();
        var allowed = numeric.abs() * rtol + atol;
        var excess = diff - allowed;
        var worst = excess.flatten().argmax().item<long>();
        if (excess.flatten()[worst].item<double>() > 0 || !isfinite(analytic).all().item<bool>())
            throw new XunitException($"{what}: analytic {analytic.flatten()[worst].item<double>():G9} vs numeric {numeric.flatten()[worst].item<double>():G9} " +
                $"at flat index {worst} (|diff| {diff.flatten()[worst].item<double>():G4} > atol {atol:G3} + rtol {rtol:G3}·|numeric|)");
    }
}
