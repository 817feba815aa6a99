using TorchSharp;
using Vivify.Torch.StateDicts;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Blocks;

/// <summary>
/// Band-limited downsampling: a depthwise Gaussian blur (σ = (1/scale − 1)/2, buffer <c>weight</c>)
/// followed by taking every (1/scale)-th pixel (computed as a strided convolution).
/// </summary>
public sealed class AntiAliasInterpolation2d : nn.Module<Tensor, Tensor>, IAssignableState
{
    private readonly long ka, kb, groups, int_inv_scale;
    private readonly double scale;

    public AntiAliasInterpolation2d(long channels, double scale, Device? device = null) : base(nameof(AntiAliasInterpolation2d))
    {
        var sigma = (1 / scale - 1) / 2;
        var kernel_size = 2 * (long)Math.Round(sigma * 4, MidpointRounding.ToEven) + 1;
        ka = kernel_size / 2;
        kb = kernel_size % 2 == 0 ? ka - 1 : ka;

        using (var scope = NewDisposeScope())
        {
            var grid = meshgrid([arange(S(0), S(kernel_size), One, dtype: float32), arange(S(0), S(kernel_size), One, dtype: float32)], indexing: "ij");
            var mean = (kernel_size - 1) / 2.0;
            Tensor kernel = ones(kernel_size, kernel_size, dtype: float32);
            foreach (var mgrid in grid)
                kernel = kernel * exp(-(mgrid - S(mean)).pow(S(2)) / S(2 * sigma * sigma));
            kernel = kernel / kernel.sum();
            kernel = kernel.view(1, 1, kernel_size, kernel_size).repeat(channels, 1, 1, 1);
            weight = (device is null ? kernel : kernel.to(device)).MoveToOuterDisposeScope();
        }
        groups = channels;
        this.scale = scale;
        int_inv_scale = (long)(1 / scale);
        RegisterComponents();
    }

    /// <summary>The depthwise Gaussian kernel [channels, 1, k, k]: a buffer (state-dict key <c>weight</c>).</summary>
    internal Tensor weight;

    public void AssignState(string name, Tensor value)
    {
        if (name != nameof(weight)) throw new ArgumentException($"AntiAliasInterpolation2d has no '{name}'", nameof(name));
        weight.Dispose();
        weight = value.DetachFromDisposeScope();
        ConditionallyRegisterBuffer(nameof(weight), weight);
    }

    public override Tensor forward(Tensor input)
    {
        if (scale == 1.0) return input.alias();
        using var scope = NewDisposeScope();
        var @out = nn.functional.pad(input, [ka, kb, ka, kb]);
        // The published code convolves at every pixel and keeps every int_inv_scale-th (out[:, :, ::s, ::s]);
        // a convolution with that stride computes only the pixels kept: the same values, 1/s² of the work.
        @out = nn.functional.conv2d(@out, weight, strides: [int_inv_scale, int_inv_scale], groups: groups);
        return @out.MoveToOuterDisposeScope();
    }
}
