using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.Torch.Modules;

/// <summary>
/// <c>spectral_norm(nn.Linear(...))</c>: state-dict keys <c>bias</c>, <c>weight_orig</c>, <c>weight_u</c>,
/// <c>weight_v</c>. One power iteration per forward in train mode, none in eval mode.
/// </summary>
public sealed class SpectralNormLinear : nn.Module<Tensor, Tensor>
{
    public Parameter? bias;
    public Parameter weight_orig;
    public Tensor weight_u;
    public Tensor weight_v;

    public SpectralNormLinear(long in_features, long out_features, bool bias = true) : base(nameof(SpectralNormLinear))
    {
        using (var linear = nn.Linear(in_features, out_features, hasBias: bias))
        using (no_grad())
        {
            weight_orig = nn.Parameter(linear.weight!.detach().clone());
            this.bias = bias ? nn.Parameter(linear.bias!.detach().clone()) : null;
        }
        (weight_u, weight_v) = SpectralNorm.InitialVectors(weight_orig, dim: 0);
        RegisterComponents();
    }

    public Tensor ComputeWeight(bool doPowerIteration) => SpectralNorm.ComputeWeight(weight_orig, weight_u, weight_v, dim: 0, doPowerIteration);

    public override Tensor forward(Tensor input)
    {
        using var weight = ComputeWeight(training);
        return nn.functional.linear(input, weight, bias);
    }
}
