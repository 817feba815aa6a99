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
    public void Only_float32_3x3_convolutions_with_stride_1_padding_1_and_one_group_on_the_CPU_fit()
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
    }
}
