using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Modules;
using static TorchSharp.torch;

namespace Vivify.Heads;

/// <summary>
/// The generator G(y, ê; ψ, P) (Zakharov et al. Sec. 3.2, 4): Johnson et al.'s image-to-image layout with
/// BigGAN residual blocks: residual downsampling blocks with (non-adaptive) instance norm, self-attention at
/// <see cref="HeadsConfig.AttentionDownResolution"/>, AdaIN residual blocks at the bottleneck, residual
/// upsampling blocks with AdaIN, self-attention at <see cref="HeadsConfig.AttentionUpResolution"/>, then
/// AdaIN → ReLU → conv3×3 → sigmoid (frames in [0,1]). Every AdaIN coefficient is an entry of
/// ψ̂ = P ê, P a learned [<see cref="PsiLength"/>, N] matrix; ψ̂ is sliced in the order the layers run.
/// </summary>
public sealed class Generator : nn.Module<Tensor, Tensor, Tensor>
{
    public ModuleList<ResBlockDown> down;
    public SelfAttention? attention_down;
    public ModuleList<ResBlockAdaIN> res;
    public ModuleList<ResBlockUp> up;
    public SelfAttention? attention_up;
    public SpectralNormConv2d conv_out;
    public Parameter P;

    private readonly int _attentionDownAfter, _attentionUpAfter;
    private readonly long _outChannels;

    public Generator(HeadsConfig config) : base(nameof(Generator))
    {
        config.Validate();
        int d = config.GeneratorDownBlocks;
        var downs = new List<ResBlockDown>();
        long inC = 3;
        _attentionDownAfter = _attentionUpAfter = -1;
        for (int i = 0; i < d; i++)
        {
            downs.Add(new ResBlockDown(inC, config.Width(i), normalize: true, preactivation: i > 0));
            inC = config.Width(i);
            if (config.ImageSize >> (i + 1) == config.AttentionDownResolution) _attentionDownAfter = i;
        }
        down = nn.ModuleList(downs.ToArray());
        if (_attentionDownAfter >= 0) attention_down = new SelfAttention(config.Width(_attentionDownAfter));
        res = nn.ModuleList(Enumerable.Range(0, config.GeneratorResBlocks).Select(_ => new ResBlockAdaIN(inC)).ToArray());
        var ups = new List<ResBlockUp>();
        for (int j = 0; j < d; j++)
        {
            long outC = config.Width(Math.Max(d - 2 - j, 0));
            ups.Add(new ResBlockUp(inC, outC));
            inC = outC;
            if (config.ImageSize >> (d - 1 - j) == config.AttentionUpResolution) _attentionUpAfter = j;
        }
        up = nn.ModuleList(ups.ToArray());
        if (_attentionUpAfter >= 0) attention_up = new SelfAttention(ups[_attentionUpAfter].OutChannels);
        _outChannels = inC;
        conv_out = new SpectralNormConv2d(inC, 3, 3, padding: 1);
        PsiLength = res.Sum(b => b.PsiLength) + up.Sum(b => b.PsiLength) + 2 * _outChannels;
        var bound = 1 / Math.Sqrt(config.EmbeddingDim); // nn.Linear(N, PsiLength)'s default: kaiming_uniform(a = √5)
        P = nn.Parameter(empty(PsiLength, config.EmbeddingDim).uniform_(-bound, bound));
        RegisterComponents();
    }

    /// <summary>Number of AdaIN coefficients ψ̂ holds.</summary>
    public long PsiLength { get; }

    /// <summary>ψ̂ = P ê: [B,N] → [B, PsiLength].</summary>
    public Tensor Psi(Tensor e) => e.matmul(P.t());

    /// <summary>x̂ = G(y, ê): landmark images [B,3,H,W] and embeddings [B,N] → frames [B,3,H,W] in [0,1].</summary>
    public override Tensor forward(Tensor y, Tensor e)
    {
        using var scope = NewDisposeScope();
        return Synthesize(y, Psi(e)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The generator with given AdaIN coefficients <paramref name="psi"/> [B or 1, PsiLength] (fine-tuning
    /// optimises ψ' directly, initialised to P ê).
    /// </summary>
    public Tensor Synthesize(Tensor y, Tensor psi)
    {
        if (psi.dim() != 2 || psi.shape[1] != PsiLength)
            throw new ArgumentException($"generator: psi must be [B,{PsiLength}], got {Embedder.Shape(psi)}");
        using var scope = NewDisposeScope();
        if (psi.shape[0] != y.shape[0]) psi = psi.expand(y.shape[0], -1);
        var h = y;
        for (int i = 0; i < down.Count; i++)
        {
            h = down[i].call(h);
            if (i == _attentionDownAfter) h = attention_down!.call(h);
        }
        long offset = 0;
        Tensor Take(long n) { var s = psi.narrow(1, offset, n); offset += n; return s; }
        foreach (var block in res) h = block.call(h, Take(block.PsiLength));
        for (int j = 0; j < up.Count; j++)
        {
            h = up[j].call(h, Take(up[j].PsiLength));
            if (j == _attentionUpAfter) h = attention_up!.call(h);
        }
        var (scale, bias) = AdaIN.Split(Take(2 * _outChannels), _outChannels);
        h = nn.functional.relu(AdaIN.Apply(h, scale, bias));
        return conv_out.call(h).sigmoid().MoveToOuterDisposeScope();
    }
}
