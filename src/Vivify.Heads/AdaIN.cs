using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Heads;

/// <summary>
/// Adaptive instance normalisation (Huang and Belongie 2017) as the generator uses it: each channel of each
/// sample normalised over its pixels (biased variance, ε = 1e-5 as nn.InstanceNorm2d), then scaled and shifted
/// by person-specific coefficients taken from ψ̂ = P ê (Zakharov et al. Sec. 3.2). The paper does not say how a
/// ψ̂ entry becomes a scale; as BigGAN's class-conditional norm does, the scale is 1 + entry, so that a ψ̂ near zero
/// (P ê at initialisation) leaves the normalised features as they are instead of multiplying them by small random
/// numbers (with scale = entry the generator's output started, and stayed, independent of the landmarks).
/// </summary>
public static class AdaIN
{
    public const double Eps = 1e-5;

    /// <summary>
    /// <paramref name="x"/> [B,C,H,W]; <paramref name="scale"/> and <paramref name="bias"/> [B,C], ψ̂'s entries:
    /// the result is (1 + scale)·normalised + bias.
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor scale, Tensor bias, double eps = Eps)
    {
        using var scope = NewDisposeScope();
        var mean = x.mean([2, 3], keepdim: true);
        var var = x.var([2, 3], unbiased: false, keepdim: true);
        var normalized = (x - mean) / var.add(S(eps), One).sqrt();
        var result = (normalized * scale.unsqueeze(-1).unsqueeze(-1).add(S(1), One)).add(bias.unsqueeze(-1).unsqueeze(-1), One);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Splits a slice of ψ̂ [B, 2C] into the scale (first C) and the bias (last C) of one AdaIN layer with C channels.
    /// </summary>
    public static (Tensor Scale, Tensor Bias) Split(Tensor psi, long channels) =>
        (psi.narrow(1, 0, channels), psi.narrow(1, channels, channels));
}
