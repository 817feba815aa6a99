using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>
/// <see cref="GeneratorJ"/>'s eval-mode forward, computed with less work and memory, same values up to float
/// rounding: batch norms folded into the convolutions before them (<see cref="FoldedConv"/>, one pass over every
/// feature map fewer), the nearest-upsample-then-3×3-convolution layers computed at their input's resolution
/// (<see cref="UpsampledConv"/>: 16 instead of 36 multiply-adds per input pixel and channel, without the upsampled
/// copy), activations in place, feature maps laid out channels last (<see cref="ChannelsLast"/>: no reorders around the
/// convolutions) and each freed after its last use; a bf16 generator computes in float32 on CPUs slower at bf16
/// (<see cref="BFloat16Compute"/>: oneDNN's bf16 7×7 convolution at full resolution ran 3.5× slower than float32's on an
/// Emerald Rapids VM without AMX). A snapshot of the generator's
/// weights: make a new one after they change (folding takes milliseconds).
/// </summary>
public sealed class GeneratorJInference : IDisposable
{
    private readonly FoldedConv conv0, conv1, conv2;
    private readonly (FoldedConv conv_0, Conv2d conv_1)[] resnets;
    private readonly UpsampledConv upconv2, upconv1;
    private readonly FoldedConv upconv2Folded, upconv1Folded;
    private readonly GeneratorJ g;
    private readonly GeneratorJ? copy;
    private readonly ScalarType dtype, compute;

    /// <param name="nativeBf16">
    /// For a bf16 generator: null (default) computes in bf16 where this CPU does it faster than float32 and in float32
    /// (a float32 copy of the weights) where it does not (<see cref="BFloat16Compute"/>); true in bf16 whatever its speed,
    /// false in float32. The output has the generator's dtype either way.
    /// </param>
    public GeneratorJInference(GeneratorJ generator, bool? nativeBf16 = null)
    {
        var weight = ((Conv2d)generator.conv0.children().First()).weight!;
        dtype = weight.dtype;
        compute = BFloat16Compute.For(dtype, weight.device, nativeBf16);
        if (compute != dtype) generator = copy = generator.CopyAs(compute);
        g = generator;
        conv0 = Folded(generator.conv0, 3);
        conv1 = Folded(generator.conv1, 1, stride: 2);
        conv2 = Folded(generator.conv2, 1, stride: 2);
        resnets = generator.resnets.Select(r =>
        {
            var m = r.children().ToList();
            return (FoldedConv.From((Conv2d)m[1], (BatchNorm2d)m[2], 1, 1), (Conv2d)m[4]);
        }).ToArray();
        upconv2Folded = FoldedUp(generator.upconv2);
        upconv1Folded = FoldedUp(generator.upconv1);
        upconv2 = UpsampledConv.From(upconv2Folded);
        upconv1 = UpsampledConv.From(upconv1Folded);
    }

    /// <summary>"conv", "normalization", "nonlinearity" of a relu layer.</summary>
    private static FoldedConv Folded(Sequential layer, long padding, long stride = 1)
    {
        var m = layer.children().ToList();
        return FoldedConv.From((Conv2d)m[0], (BatchNorm2d)m[1], padding, 1, stride: stride);
    }

    /// <summary>Upsample, 3×3 convolution (no bias), batch norm, ReLU.</summary>
    private static FoldedConv FoldedUp(Sequential layer)
    {
        var m = layer.children().ToList();
        return FoldedConv.From((Conv2d)m[1], (BatchNorm2d)m[2], 1, 1);
    }

    /// <summary>The generator's output for <paramref name="x"/> [N, C, H, W] (H and W divisible by 4), without gradients.</summary>
    public Tensor forward(Tensor x)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var slope = S(0.2);
        x = ChannelsLast.Of(x.to(compute));
        var output_0 = conv0.forward(x).leaky_relu_(slope);
        var output_1 = conv1.forward(output_0).leaky_relu_(slope);
        var output_2 = conv2.forward(output_1).leaky_relu_(slope); // also the skip connection (in eval, conv2 twice gives the same)
        var output = output_2;
        foreach (var (conv_0, conv_1) in resnets)
        {
            using var relu = nn.functional.relu(output);
            using var inner = conv_0.forward(relu).relu_();
            var next = conv_1.forward(inner).add_(output, One);
            if (!ReferenceEquals(output, output_2)) output.Dispose();
            output = next;
        }
        output = Next(output, output_2, upconv2.forward).relu_();
        output = Next(output, output_1, upconv1.forward).relu_();
        output = Next(output, output_0, ((Conv2d)g.conv_11.children().First()).forward, x).relu_();
        if (g.conv_11_a is not null) output = Next(output, null, g.conv_11_a.forward);
        output = Next(output, null, g.conv_12.forward);
        if (output.dtype != dtype) output = Next(output, null, o => o.to(dtype));
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <paramref name="layer"/> applied to <paramref name="input"/> (concatenated with the skip connection and
    /// <paramref name="extra"/> along channels); the input, the skip connection and the concatenation are freed.
    /// </summary>
    private static Tensor Next(Tensor input, Tensor? skip, Func<Tensor, Tensor> layer, Tensor? extra = null)
    {
        if (skip is null) { using (input) return layer(input); }
        using var joined = extra is null ? cat([input, skip], 1) : cat([input, skip, extra], 1);
        input.Dispose();
        skip.Dispose();
        return layer(joined);
    }

    public void Dispose()
    {
        conv0.Dispose();
        conv1.Dispose();
        conv2.Dispose();
        foreach (var (c, _) in resnets) c.Dispose();
        upconv2.Dispose();
        upconv1.Dispose();
        upconv2Folded.Dispose();
        upconv1Folded.Dispose();
        copy?.Dispose();
    }
}
