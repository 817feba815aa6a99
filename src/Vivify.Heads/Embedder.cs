using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.Heads;

/// <summary>
/// The embedder E(x, y; φ) (Zakharov et al. Sec. 3.2, 4): a frame concatenated with its rasterised landmark
/// image (6 channels) through residual downsampling blocks without normalisation down to 4×4, a self-attention
/// block after the block that reaches <see cref="HeadsConfig.AttentionDownResolution"/>, and global sum pooling
/// (the paper's ReLU after it is left out, see README): an N-dimensional vector per frame. <see cref="forward"/> averages it over the K frames of each video.
/// </summary>
public sealed class Embedder : nn.Module<Tensor, Tensor, Tensor>
{
    public ModuleList<ResBlockDown> down;
    public SelfAttention? attention;

    private readonly int _attentionAfter;

    public Embedder(HeadsConfig config) : base(nameof(Embedder))
    {
        (down, attention, _attentionAfter) = Build(config);
        RegisterComponents();
    }

    /// <summary>The residual downsampling stack shared in shape by E and V (6 input channels).</summary>
    internal static (ModuleList<ResBlockDown>, SelfAttention?, int) Build(HeadsConfig config)
    {
        config.Validate();
        var blocks = new List<ResBlockDown>();
        long inC = 6;
        for (int i = 0; i < config.EncoderDownBlocks; i++)
        {
            long outC = config.EncoderWidth(i);
            blocks.Add(new ResBlockDown(inC, outC, normalize: false, preactivation: i > 0));
            inC = outC;
        }
        int after = -1;
        for (int i = 0; i < config.EncoderDownBlocks; i++)
            if (config.ImageSize >> (i + 1) == config.AttentionDownResolution) after = i;
        var attention = after >= 0 ? new SelfAttention(config.EncoderWidth(after)) : null;
        return (nn.ModuleList(blocks.ToArray()), attention, after);
    }

    /// <summary>Blocks and attention in order; <paramref name="features"/>, when given, gets each block's output.</summary>
    internal static Tensor RunDown(ModuleList<ResBlockDown> down, SelfAttention? attention, int attentionAfter, Tensor h, List<Tensor>? features = null)
    {
        for (int i = 0; i < down.Count; i++)
        {
            h = down[i].call(h);
            if (i == attentionAfter) h = attention!.call(h);
            features?.Add(h);
        }
        return h;
    }

    /// <summary>Global sum pooling over the pixels followed by ReLU: [B,C,H,W] → [B,C].</summary>
    internal static Tensor SumPoolRelu(Tensor h) => nn.functional.relu(h.sum([2, 3]));

    /// <summary>One embedding per frame: <paramref name="x"/>, <paramref name="y"/> [B,3,H,W] → [B,N].</summary>
    public Tensor EmbedFrames(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var h = RunDown(down, attention, _attentionAfter, cat([x, y], 1));
        // Sum pooling without the paper's final ReLU (see README: with it L_MCH drove every entry of ê to zero).
        return h.sum([2, 3]).MoveToOuterDisposeScope();
    }

    /// <summary>ê: frames <paramref name="x"/> and landmark images <paramref name="y"/> [B,K,3,H,W] → [B,N], the mean over K.</summary>
    public override Tensor forward(Tensor x, Tensor y)
    {
        if (x.dim() != 5 || y.dim() != 5 || !x.shape.SequenceEqual(y.shape) || x.shape[2] != 3)
            throw new ArgumentException($"embedder: frames and landmarks must both be [B,K,3,H,W], got {Shape(x)} and {Shape(y)}");
        using var scope = NewDisposeScope();
        long b = x.shape[0], k = x.shape[1];
        var flat = EmbedFrames(x.flatten(0, 1), y.flatten(0, 1));
        return flat.view(b, k, -1).mean([1]).MoveToOuterDisposeScope();
    }

    internal static string Shape(Tensor t) => "[" + string.Join(",", t.shape) + "]";
}
