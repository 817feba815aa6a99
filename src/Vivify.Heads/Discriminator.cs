using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Heads;

/// <summary>What the discriminator returns: the realism score r [B], the vector φ = V(x, y; θ) [B,N] and
/// the activation after each residual block (for the feature-matching loss).</summary>
public sealed record DiscriminatorOutput(Tensor Score, Tensor Phi, IReadOnlyList<Tensor> Features) : IDisposable
{
    public void Dispose()
    {
        Score.Dispose();
        Phi.Dispose();
        foreach (var f in Features) f.Dispose();
    }
}

/// <summary>
/// The projection discriminator D(x, y, i; θ, W, w₀, b) (Zakharov et al. Sec. 3.2, 4; Miyato and Koyama 2018):
/// V(x, y; θ) is the embedder's layout (residual downsampling blocks, self-attention) with an additional
/// residual block at 4×4, global sum pooling and ReLU; the realism score is r = φᵀ(Wᵢ + w₀) + b with Wᵢ the
/// row of the per-video embedding matrix W [videos, N] (a plain table, not spectrally normalised, see README),
/// w₀ [N] and b [1] shared.
/// </summary>
public sealed class Discriminator : nn.Module<Tensor, Tensor, Tensor, DiscriminatorOutput>
{
    public ModuleList<ResBlockDown> down;
    public SelfAttention? attention;
    public ResBlock res;
    public Embedding W;
    public Parameter w0;
    public Parameter b;

    private readonly int _attentionAfter;

    /// <param name="num_videos">Rows of W: one per training video.</param>
    public Discriminator(HeadsConfig config, long num_videos) : base(nameof(Discriminator))
    {
        if (num_videos < 1) throw new ArgumentException($"discriminator: num_videos must be at least 1, got {num_videos}");
        (down, attention, _attentionAfter) = Embedder.Build(config);
        res = new ResBlock(config.EmbeddingDim);
        W = nn.Embedding(num_videos, config.EmbeddingDim); // not spectrally normalised (see README)
        using (no_grad()) W.weight!.normal_(0, 1 / Math.Sqrt(config.EmbeddingDim)); // rows of unit expected norm
        // Paper silent: w0 and b start at zero, so that the score starts as φᵀWᵢ.
        w0 = nn.Parameter(zeros(config.EmbeddingDim));
        b = nn.Parameter(zeros(1));
        RegisterComponents();
    }

    /// <summary>Wᵢ, the (normalised) rows of W for video indices <paramref name="i"/> [B] → [B,N].</summary>
    public Tensor VideoEmbedding(Tensor i) => W.call(i);

    /// <summary>φ = V(x, y; θ) and the activations after each residual block.</summary>
    public (Tensor Phi, List<Tensor> Features) Features(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var features = new List<Tensor>();
        var h = Embedder.RunDown(down, attention, _attentionAfter, cat([x, y], 1), features);
        h = res.call(h);
        features.Add(h);
        var phi = Embedder.SumPoolRelu(h).MoveToOuterDisposeScope();
        foreach (var f in features) f.MoveToOuterDisposeScope();
        return (phi, features);
    }

    /// <summary>r = φᵀ w + b for given per-sample projection vectors <paramref name="w"/> [B or 1, N] (Wᵢ + w₀
    /// in meta-learning, w' during fine-tuning).</summary>
    public Tensor Realism(Tensor phi, Tensor w) => (phi * w).sum(1).add(b, One);

    /// <summary>Frames <paramref name="x"/>, landmark images <paramref name="y"/> [B,3,H,W], video indices <paramref name="i"/> [B] (int64).</summary>
    public override DiscriminatorOutput forward(Tensor x, Tensor y, Tensor i)
    {
        var (phi, features) = Features(x, y);
        using var scope = NewDisposeScope();
        var score = Realism(phi, VideoEmbedding(i).add(w0, One)).MoveToOuterDisposeScope();
        return new DiscriminatorOutput(score, phi, features);
    }
}
