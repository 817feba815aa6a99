using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Heads;

/// <summary>
/// SAGAN's self-attention block (Zhang et al. 2019, "Self_Attn" of its published code): 1×1 query and key
/// convolutions to C/8 channels, a 1×1 value convolution to C channels, softmax attention over all positions,
/// out = γ·attention + x with γ a learned scalar starting at 0. The convolutions are spectrally normalised
/// as every convolution of the talking-head networks (Zakharov et al. Sec. 4).
/// </summary>
public sealed class SelfAttention : nn.Module<Tensor, Tensor>
{
    public SpectralNormConv2d query_conv;
    public SpectralNormConv2d key_conv;
    public SpectralNormConv2d value_conv;
    public Parameter gamma;

    public SelfAttention(long in_dim) : base(nameof(SelfAttention))
    {
        var inner = Math.Max(1, in_dim / 8);
        query_conv = new SpectralNormConv2d(in_dim, inner, 1);
        key_conv = new SpectralNormConv2d(in_dim, inner, 1);
        value_conv = new SpectralNormConv2d(in_dim, in_dim, 1);
        gamma = nn.Parameter(zeros(1));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3], n = h * w;
        var query = query_conv.call(x).view(b, -1, n).permute(0, 2, 1); // B, N, C'
        var key = key_conv.call(x).view(b, -1, n);                       // B, C', N
        var attention = bmm(query, key).softmax(-1);                      // B, N, N
        var value = value_conv.call(x).view(b, -1, n);                   // B, C, N
        var @out = bmm(value, attention.permute(0, 2, 1)).view(b, c, h, w);
        return (gamma * @out).add(x, One).MoveToOuterDisposeScope();
    }
}
