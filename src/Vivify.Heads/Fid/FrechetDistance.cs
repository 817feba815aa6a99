using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Heads.Fid;

/// <summary>
/// The Fréchet distance between two Gaussians fitted to feature sets (Heusel et al. 2017; the FID on Inception pool3
/// features): ‖μ₁ − μ₂‖² + Tr(Σ₁) + Tr(Σ₂) − 2 Tr((Σ₁Σ₂)^½), in float64. pytorch-fid takes (Σ₁Σ₂)^½ with
/// scipy's general <c>sqrtm</c>; here the trace comes from symmetric eigendecompositions, Tr((Σ₁Σ₂)^½) = Σᵢ √λᵢ
/// with λ the eigenvalues of Σ₁^½ Σ₂ Σ₁^½ (similar to Σ₁Σ₂, and symmetric positive semi-definite, so no complex
/// parts arise and rank-deficient covariances from few samples need no jitter); equal in exact arithmetic.
/// </summary>
public static class FrechetDistance
{
    /// <summary>Mean [D] and covariance [D,D] (float64, unbiased, as numpy's <c>cov(rowvar=False)</c>) of features [N,D], N ≥ 2.</summary>
    public static (Tensor Mean, Tensor Covariance) Statistics(Tensor features)
    {
        if (features.dim() != 2 || features.shape[0] < 2)
            throw new ArgumentException($"Fréchet statistics need at least 2 feature rows [N,D], got [{string.Join(",", features.shape)}]");
        using var scope = NewDisposeScope();
        var f = features.to(float64);
        var mean = f.mean([0]);
        var centred = f - mean;
        var cov = centred.t().matmul(centred) / S(f.shape[0] - 1);
        return (mean.MoveToOuterDisposeScope(), cov.MoveToOuterDisposeScope());
    }

    /// <summary>The Fréchet distance of two Gaussians (μ, Σ) given as float64 tensors [D], [D,D].</summary>
    public static double Distance(Tensor mean1, Tensor cov1, Tensor mean2, Tensor cov2)
    {
        if (!mean1.shape.SequenceEqual(mean2.shape) || !cov1.shape.SequenceEqual(cov2.shape) || cov1.dim() != 2 || cov1.shape[0] != mean1.shape[0])
            throw new ArgumentException("Fréchet distance: means [D] and covariances [D,D] of one dimension D are needed");
        using var scope = NewDisposeScope();
        var m1 = mean1.to(float64);
        var m2 = mean2.to(float64);
        var s1 = cov1.to(float64);
        var s2 = cov2.to(float64);
        var root1 = SymmetricSqrt(s1);
        var inner = root1.matmul(s2).matmul(root1);
        inner = inner.add(inner.t(), One) / S(2);
        var traceRoot = linalg.eigvalsh(inner).clamp_min(S(0)).sqrt().sum();
        var d = (m1 - m2).pow(S(2)).sum().add(s1.trace(), One).add(s2.trace(), One) - S(2) * traceRoot;
        return d.item<double>();
    }

    /// <summary>FID between two feature sets [N,D], [M,D].</summary>
    public static double Distance(Tensor features1, Tensor features2)
    {
        var (m1, s1) = Statistics(features1);
        var (m2, s2) = Statistics(features2);
        using (m1) using (s1) using (m2) using (s2) return Distance(m1, s1, m2, s2);
    }

    /// <summary>The symmetric square root of a symmetric positive semi-definite matrix (negative rounding noise clamped to 0).</summary>
    private static Tensor SymmetricSqrt(Tensor s)
    {
        var (values, vectors) = linalg.eigh(s.add(s.t(), One) / S(2));
        return vectors.matmul(diag(values.clamp_min(S(0)).sqrt())).matmul(vectors.t());
    }
}
