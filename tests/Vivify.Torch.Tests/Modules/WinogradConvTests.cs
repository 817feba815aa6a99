using TorchSharp;
using Vivify.TestSupport;
using Vivify.Torch.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Modules;

public class WinogradConvTests
{
    /// <summary>
    /// Forward-pass tolerance (the parity fixtures' 1e-4) on outputs of magnitude about 5: unit-variance inputs and
    /// He-scaled weights, as in a trained network's layers. Winograd's float32 error there is up to a few times that of
    /// the direct convolution (about 1e-5).
    /// </summary>
    private const double Atol = 1e-4;

    [Theory]
    [InlineData(1, 128, 128, 16, 16, false)] // whole tiles
    [InlineData(2, 130, 96, 18, 22, false)] // a batch; the last row and column of tiles overhang the image
    [InlineData(1, 64, 160, 8, 12, true)] // input laid out channels last
    [InlineData(1, 8, 4, 1, 3, false)] // smaller than one tile
    [InlineData(1, 16, 8, 80, 72, false)] // two bands of tile rows (14 and 6 of 20), the last overhanging
    public void Equals_the_direct_convolution_computed_in_float64(long n, long ins, long outs, long h, long w, bool channelsLast)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(11);
        var x = randn(n, ins, h, w, generator: g);
        if (channelsLast) x = ChannelsLast.Of(x);
        var weight = randn(outs, ins, 3, 3, generator: g) * Math.Sqrt(2.0 / (ins * 9));
        var bias = rand(outs, generator: g) - 0.5;
        var expected = nn.functional.conv2d(x.to(float64), weight.to(float64), bias.to(float64), padding: [1, 1]);

        using var conv = WinogradConv.From(weight, bias);
        var actual = conv.forward(x);

        Assert.True(ChannelsLast.Is(actual), "the output is laid out channels last");
        Assert.True(expected.abs().max().item<double>() > (h * w > 100 ? 2 : 0.5), "outputs of a trained layer's magnitude");
        TensorAssert.AllCloseAbs(expected, actual, Atol, "winograd convolution");
        TensorAssert.AllCloseAbs(x, x.clone(), 0, "input untouched");
    }

    /// <summary>
    /// In bf16 the tiles, the transformed weights and the 36 products are each rounded to bf16: about 7× the mean error
    /// of bf16's direct convolution, whose own comes from its weights' and outputs' rounding (measured here: 1.24 % and
    /// 0.18 % of the output's root mean square; the same in a float64 simulation of the roundings at 256 channels).
    /// Bounds: 1.6 % for Winograd's, and more than 3× the direct convolution's, so that a bf16 path that quietly
    /// computed in float32 (or by the direct convolution) would show here too.
    /// </summary>
    [Fact]
    public void In_bf16_the_error_is_that_of_its_three_roundings()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(13);
        const long C = 128;
        var x = ChannelsLast.Of(nn.functional.relu(randn(1, C, 24, 20, generator: g))).to(bfloat16);
        var weight = randn(C, C, 3, 3, generator: g) * Math.Sqrt(2.0 / (C * 9));
        var bias = (rand(C, generator: g) - 0.5) * 0.2;
        var expected = nn.functional.conv2d(x.to(float64), weight.to(float64), bias.to(float64), padding: [1, 1]);
        var direct = nn.functional.conv2d(x, ChannelsLast.Of(weight).to(bfloat16), bias.to(bfloat16), padding: [1, 1]);

        using var conv = WinogradConv.From(weight, bias, bfloat16);
        var actual = conv.forward(x);

        Assert.Equal(bfloat16, conv.dtype);
        Assert.Equal(bfloat16, actual.dtype);
        Assert.True(ChannelsLast.Is(actual), "the output is laid out channels last");
        Assert.Equal(expected.shape, actual.shape);
        var rms = expected.pow(2).mean().sqrt().item<double>();
        var (winograd, oneDnn) = (TensorAssert.MeanErrorOfRms(expected, actual), TensorAssert.MeanErrorOfRms(expected, direct));
        var why = $"mean error {winograd:P2} of the output's RMS {rms:G3}; bf16's direct convolution {oneDnn:P2}";
        Assert.True(rms > 0.5, why);
        Assert.True(winograd <= 0.016, why);
        Assert.True(winograd > 3 * oneDnn, why);
    }

    [Fact]
    public void A_missing_bias_is_zero_and_the_weight_layout_changes_nothing_but_rounding()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(5);
        var x = randn(1, 16, 8, 8, generator: g);
        var weight = randn(12, 16, 3, 3, generator: g) * 0.1;
        using var plain = WinogradConv.From(weight, null);
        using var fromChannelsLast = WinogradConv.From(ChannelsLast.Of(weight), null);
        var expected = nn.functional.conv2d(x.to(float64), weight.to(float64), padding: [1, 1]);
        TensorAssert.AllCloseAbs(expected, plain.forward(x), Atol, "no bias");
        TensorAssert.AllCloseAbs(plain.forward(x), fromChannelsLast.forward(x), 1e-6, "channels-last weight"); // float rounding of the transform's products
    }

    [Fact]
    public void Repeated_calls_give_identical_outputs()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(5);
        var weight = randn(128, 128, 3, 3, generator: g) * 0.04;
        var x = randn(1, 128, 32, 32, generator: g);
        using var conv = WinogradConv.From(weight, null);
        var first = conv.forward(x);
        for (var i = 0; i < 5; i++)
        {
            using var again = WinogradConv.From(weight.clone(), null);
            using var spacer = empty(i * 7 + 1); // other allocations in between
            TensorAssert.AllCloseAbs(first, conv.forward(x.clone()), 0, "the same convolution again");
            TensorAssert.AllCloseAbs(first, again.forward(x.clone()), 0, "a convolution made again from the same weights");
        }
    }

    [Fact]
    public void Only_float32_3x3_weights_with_stride_1_padding_1_and_one_group_on_the_CPU_fit_computing_in_float32_or_bf16()
    {
        using var scope = NewDisposeScope();
        var w3 = zeros(4, 4, 3, 3);
        Assert.True(WinogradConv.Fits(w3, padding: 1, groups: 1, stride: 1));
        Assert.False(WinogradConv.Fits(w3, padding: 0, groups: 1, stride: 1));
        Assert.False(WinogradConv.Fits(w3, padding: 1, groups: 2, stride: 1));
        Assert.False(WinogradConv.Fits(w3, padding: 1, groups: 1, stride: 2));
        Assert.False(WinogradConv.Fits(zeros(4, 4, 5, 5), padding: 1, groups: 1, stride: 1));
        Assert.False(WinogradConv.Fits(w3.to(float64), padding: 1, groups: 1, stride: 1));
        Assert.False(WinogradConv.Fits(w3.to(bfloat16), padding: 1, groups: 1, stride: 1));
        Assert.Throws<ArgumentException>(() => WinogradConv.From(zeros(4, 4, 5, 5), null));
        using var conv = WinogradConv.From(w3, null);
        Assert.Throws<ArgumentException>(() => conv.forward(zeros(1, 5, 8, 8)));
        Assert.Throws<ArgumentException>(() => conv.forward(zeros(1, 4, 8, 8, dtype: float64)));
        Assert.Throws<ArgumentException>(() => conv.forward(zeros(1, 4, 8, 8, dtype: bfloat16)));
        Assert.Throws<ArgumentException>(() => WinogradConv.From(w3, null, float64));
        using var inBf16 = WinogradConv.From(w3, null, bfloat16);
        Assert.Throws<ArgumentException>(() => inBf16.forward(zeros(1, 4, 8, 8))); // computes in bf16 only
        Assert.Equal(bfloat16, inBf16.forward(zeros(1, 4, 8, 8, dtype: bfloat16)).dtype);
    }
}
