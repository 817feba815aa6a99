using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.Torch.Modules;

/// <summary>
/// <c>spectral_norm(nn.Embedding(n, d))</c>: state-dict keys <c>weight_orig</c> [n,d], <c>weight_u</c> [n],
/// <c>weight_v</c> [d]. Forward looks up rows of the normalised weight (no padding_idx, no max_norm).
/// </summary>
public sealed class SpectralNormEmbedding : nn.Module<Tensor, Tensor>
{
    public Parameter weight_orig;
    public Tensor weight_u;
    public Tensor weight_v;

    /// <summary>Weights drawn from N(0, 1) as <c>nn.Embedding</c> does.</summary>
    public SpectralNormEmbedding(long num_embeddings, long embedding_dim) : base(nameof(SpectralNormEmbedding))
    {
        weight_orig = nn.Parameter(randn(num_embeddings, embedding_dim));
        (weight_u, weight_v) = SpectralNorm.InitialVectors(weight_orig, dim: 0);
        RegisterComponents();
    }

    public Tensor ComputeWeight(bool doPowerIteration) => SpectralNorm.ComputeWeight(weight_orig, weight_u, weight_v, dim: 0, doPowerIteration);

    /// <summary>Rows of the normalised weight for each index: output shape input.shape + [embedding_dim].</summary>
    public override Tensor forward(Tensor input)
    {
        using var weight = ComputeWeight(training);
        using var rows = weight.index_select(0, input.flatten());
        return rows.reshape([.. input.shape, weight.shape[1]]);
    }
}
