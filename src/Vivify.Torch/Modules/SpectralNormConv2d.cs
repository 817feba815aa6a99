using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.Torch.Modules;

/// <summary>
/// <c>spectral_norm(nn.Conv2d(...))</c>: state-dict keys <c>bias</c>, <c>weight_orig</c>, <c>weight_u</c>,
/// <c>weight_v</c> in PyTorch's order (no plain <c>weight</c>). One power iteration per forward in train
/// mode, none in eval mode.
/// </summary>
public sealed class SpectralNormConv2d : nn.Module<Tensor, Tensor>
{
    // Field order is state-dict order: PyTorch keeps bias where Conv2d put it and appends weight_orig.
    public Parameter? bias;
    public Parameter weight_orig;
    public Tensor weight_u;
    public Tensor weight_v;

    private readonly long[] _stride;
    private readonly long[] _padding;

    /// <summary>Weights initialised as <c>nn.Conv2d</c> does; u and v drawn as <c>spectral_norm</c> does.</summary>
    public SpectralNormConv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, bool bias = true)
        : base(nameof(SpectralNormConv2d))
    {
        using (var conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride: stride, padding: padding, bias: bias))
        using (no_grad())
        {
            weight_orig = nn.Parameter(conv.weight!.detach().clone());
            this.bias = bias ? nn.Parameter(conv.bias!.detach().clone()) : null;
        }
        (weight_u, weight_v) = SpectralNorm.InitialVectors(weight_orig, dim: 0);
        _stride = new[] { stride, stride };
        _padding = new[] { padding, padding };
        RegisterComponents();
    }

    /// <summary>The normalised weight (runs a power iteration when <paramref name="doPowerIteration"/>).</summary>
    public Tensor ComputeWeight(bool doPowerIteration) => SpectralNorm.ComputeWeight(weight_orig, weight_u, weight_v, dim: 0, doPowerIteration);

    public override Tensor forward(Tensor input)
    {
        using var weight = ComputeWeight(training);
        return nn.functional.conv2d(input, weight, bias, _stride, _padding, new long[] { 1, 1 }, 1);
    }
}
