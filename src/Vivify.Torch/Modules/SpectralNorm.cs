using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Torch.Modules;

/// <summary>
/// Spectral normalisation as <c>torch.nn.utils.spectral_norm</c> (PyTorch 1.13) computes it, as functions
/// a module calls on its own <c>weight_orig</c> parameter and <c>weight_u</c> / <c>weight_v</c> buffers
/// (TorchSharp 0.107 has no spectral norm). Used by <see cref="SpectralNormConv2d"/>,
/// <see cref="SpectralNormLinear"/> and <see cref="SpectralNormEmbedding"/>.
/// </summary>
public static class SpectralNorm
{
    public const double DefaultEps = 1e-12;

    /// <summary>The weight as a matrix: <paramref name="dim"/> moved first, the rest flattened (<c>reshape_weight_to_matrix</c>).</summary>
    public static Tensor ReshapeWeightToMatrix(Tensor weight, long dim)
    {
        var mat = weight;
        if (dim != 0)
        {
            var order = new List<long> { dim };
            for (long d = 0; d < weight.dim(); d++) if (d != dim) order.Add(d);
            mat = mat.permute(order.ToArray());
        }
        return mat.reshape(mat.shape[0], -1);
    }

    /// <summary><c>F.normalize(x, dim=0, eps)</c> for a vector: x / max(‖x‖₂, eps).</summary>
    public static Tensor Normalize(Tensor x, double eps = DefaultEps)
    {
        using var norm = x.norm(2f).clamp_min(S(eps));
        return x / norm;
    }

    /// <summary>
    /// Fresh <c>u</c> (length h) and <c>v</c> (length w) for an h×w weight matrix: standard normal samples,
    /// normalised, as <c>SpectralNorm.apply</c> draws them.
    /// </summary>
    public static (Tensor U, Tensor V) InitialVectors(Tensor weight, long dim, double eps = DefaultEps)
    {
        using var _ = no_grad();
        using var mat = ReshapeWeightToMatrix(weight, dim);
        using var u0 = empty(new[] { mat.shape[0] }, weight.dtype, weight.device).normal_(0, 1);
        using var v0 = empty(new[] { mat.shape[1] }, weight.dtype, weight.device).normal_(0, 1);
        return (Normalize(u0, eps), Normalize(v0, eps));
    }

    /// <summary>
    /// <c>compute_weight</c>: with <paramref name="doPowerIteration"/> (train mode), runs
    /// <paramref name="nPowerIterations"/> power iterations under <c>no_grad</c>, writing the new vectors
    /// into <paramref name="u"/> and <paramref name="v"/> in place, then uses clones of them; returns
    /// weight_orig / σ with σ = uᵀ W v, through which gradients flow to <paramref name="weightOrig"/>
    /// (u and v are constants to autograd).
    /// </summary>
    public static Tensor ComputeWeight(Tensor weightOrig, Tensor u, Tensor v, long dim, bool doPowerIteration,
        int nPowerIterations = 1, double eps = DefaultEps)
    {
        using var scope = NewDisposeScope();
        var mat = ReshapeWeightToMatrix(weightOrig, dim);
        if (doPowerIteration)
        {
            using (no_grad())
            {
                for (int i = 0; i < nPowerIterations; i++)
                {
                    v.copy_(Normalize(mv(mat.t(), u), eps));
                    u.copy_(Normalize(mv(mat, v), eps));
                }
            }
            if (nPowerIterations > 0)
            {
                u = u.clone();
                v = v.clone();
            }
        }
        var sigma = dot(u, mv(mat, v));
        return (weightOrig / sigma).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs <paramref name="iterations"/> power iterations on the u and v of every spectral-norm layer inside
    /// <paramref name="module"/> (its weights untouched), as <c>torch.nn.utils.parametrizations.spectral_norm</c>
    /// does (15) when it is registered. Freshly drawn u and v give σ = uᵀ W v far below W's largest singular value,
    /// so a new network in eval mode would divide its weights by almost nothing.
    /// </summary>
    public static void Settle(nn.Module module, int iterations = 15)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (_, m) in module.named_modules())
        {
            switch (m)
            {
                case SpectralNormConv2d c: ComputeWeight(c.weight_orig, c.weight_u, c.weight_v, 0, true, iterations); break;
                case SpectralNormLinear l: ComputeWeight(l.weight_orig, l.weight_u, l.weight_v, 0, true, iterations); break;
                case SpectralNormEmbedding e: ComputeWeight(e.weight_orig, e.weight_u, e.weight_v, 0, true, iterations); break;
            }
        }
    }
}
