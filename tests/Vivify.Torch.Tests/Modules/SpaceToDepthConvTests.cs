using TorchSharp;
using Vivify.TestSupport;
using Vivify.Torch.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Modules;

public class SpaceToDepthConvTests
{
    /// <summary>
    /// The rewrite moves every tap of the kernel to its place among the blocks' channels: in float64 the outputs are the
    /// convolution's up to the order of the additions (1e-12 of values about 10).
    /// </summary>
    [Theory]
    [InlineData(64, 3, 7, 64, 64, 1)] // FOMM's last layer, at a small size
    [InlineData(8, 4, 3, 32, 48, 2)]
    [InlineData(5, 1, 5, 64, 70, 1)]
    [InlineData(6, 2, 1, 64, 64, 1)]
    public void Equals_the_convolution_in_float64(int inputs, int outputs, int kernel, int height, int width, int batch)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(11);
        using var conv = nn.Conv2d(inputs, outputs, kernel, padding: kernel / 2, dtype: ScalarType.Float64);
        var x = randn(batch, inputs, height, width, dtype: ScalarType.Float64);
        Assert.True(SpaceToDepthConv.Fits(conv));
        using var blocks = SpaceToDepthConv.From(conv);
        var expected = conv.forward(x);
        TensorAssert.AllCloseAbs(expected, blocks.forward(x), 1e-12, "from contiguous");
        TensorAssert.AllCloseAbs(expected, blocks.forward(ChannelsLast.Of(x)), 1e-12, "from channels last");
        Assert.True(blocks.forward(x).is_contiguous());
    }

    [Fact]
    public void Bf16_gives_the_same_sums_as_the_bf16_convolution()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(12);
        using var conv = nn.Conv2d(64, 3, 7, padding: 3, dtype: ScalarType.BFloat16);
        var x = ChannelsLast.Of(rand(1, 64, 64, 64).to(ScalarType.BFloat16));
        using var blocks = SpaceToDepthConv.From(conv);
        // Both multiply the same bf16 values and sum in float32, then round to bf16: at most one bf16 step apart (2^-8
        // relative), on outputs up to about 2.
        var expected = conv.forward(x).to(ScalarType.Float32);
        var actual = blocks.forward(x).to(ScalarType.Float32);
        TensorAssert.AllCloseAbs(expected, actual, 2.0 / 256, "bf16");
        Assert.True(actual.sub(expected).abs().mean().item<float>() < 1e-3f);
    }

    [Fact]
    public void Takes_only_what_it_rewrites()
    {
        using var scope = NewDisposeScope();
        Assert.False(SpaceToDepthConv.Fits(nn.Conv2d(8, 5, 7, padding: 3)), "more than 4 outputs");
        Assert.False(SpaceToDepthConv.Fits(nn.Conv2d(8, 3, 7, padding: 2)), "not same padding");
        Assert.False(SpaceToDepthConv.Fits(nn.Conv2d(8, 3, 7, stride: 2, padding: 3)), "stride 2");
        Assert.False(SpaceToDepthConv.Fits(nn.Conv2d(8, 2, 3, padding: 1, groups: 2)), "groups");
        Assert.False(SpaceToDepthConv.Fits(nn.Conv2d(8, 3, 4, padding: 2)), "even kernel");
        Assert.False(SpaceToDepthConv.Pays(zeros(1, 8, 63, 64)), "odd height");
        Assert.False(SpaceToDepthConv.Pays(zeros(1, 8, 32, 32)), "small");
        Assert.True(SpaceToDepthConv.Pays(zeros(1, 8, 64, 64)));
        using var conv = nn.Conv2d(8, 3, 3, padding: 1);
        using var blocks = SpaceToDepthConv.From(conv);
        Assert.Throws<ArgumentException>(() => blocks.forward(zeros(1, 8, 63, 64)));
    }
}
