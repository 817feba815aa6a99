using TorchSharp;
using Vivify.TestSupport;
using Vivify.Torch.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Modules;

public class ChannelsLastGridSampleTests
{
    /// <summary>A grid over and beyond the map (zero padding applies), with a NaN and an infinite coordinate.</summary>
    private static Tensor Grid(long n, long h, long w)
    {
        var grid = rand(n, h, w, 2, generator: new Generator(5)).mul_(2.4).sub_(1.2);
        grid[0, 0, 0, 0] = tensor(float.NaN);
        grid[n - 1, 2, 3, 1] = tensor(float.PositiveInfinity);
        return grid;
    }

    /// <summary>
    /// Float32: libtorch's grid_sample times the scale, to within 1e-6 of values about 3 (on the development machines
    /// bit for bit: the same weights, products and order of sums), NaN where it is NaN, laid out channels last.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Float32_is_grid_sample_times_the_scale(bool align_corners)
    {
        using var scope = NewDisposeScope();
        var input = ChannelsLast.Of(randn(2, 37, 13, 17, generator: new Generator(6)));
        var grid = Grid(2, 11, 19);
        var scale = rand(2, 1, 11, 19, generator: new Generator(7));
        var expected = nn.functional.grid_sample(input, grid, align_corners: align_corners) * scale;
        var actual = ChannelsLastGridSample.Bilinear(input, grid, align_corners, scale);
        Assert.True(ChannelsLast.Is(actual));
        Assert.True(actual.isnan().eq(expected.isnan()).all().item<bool>(), "NaN where grid_sample gives NaN");
        Assert.True(expected.isnan().any().item<bool>(), "the grid's NaN and infinity reach the output");
        TensorAssert.AllCloseAbs(expected.nan_to_num(0), actual.nan_to_num(0), 1e-6, "sampled");
    }

    [Fact]
    public void Bf16_is_sampled_and_scaled_in_float32_then_rounded_once()
    {
        using var scope = NewDisposeScope();
        var input = ChannelsLast.Of(randn(2, 24, 16, 16, generator: new Generator(8)).to(ScalarType.BFloat16));
        var grid = rand(2, 16, 16, 2, generator: new Generator(9)).mul_(2).sub_(1);
        var scale = rand(2, 1, 16, 16, generator: new Generator(10)).to(ScalarType.BFloat16);
        var expected = (nn.functional.grid_sample(input.to(ScalarType.Float32), grid, align_corners: false) * scale.to(ScalarType.Float32)).to(ScalarType.BFloat16);
        var actual = ChannelsLastGridSample.Bilinear(input, grid, false, scale);
        Assert.Equal(ScalarType.BFloat16, actual.dtype);
        TensorAssert.AllCloseAbs(expected.to(ScalarType.Float32), actual.to(ScalarType.Float32), 1e-6, "bf16");
    }

    [Fact]
    public void A_batch_one_input_serves_every_grid()
    {
        using var scope = NewDisposeScope();
        var input = ChannelsLast.Of(randn(1, 8, 9, 10, generator: new Generator(11)));
        var grid = rand(3, 5, 6, 2, generator: new Generator(12)).mul_(2).sub_(1);
        var expected = nn.functional.grid_sample(input.expand(3, -1, -1, -1), grid, align_corners: false);
        TensorAssert.AllCloseAbs(expected, ChannelsLastGridSample.Bilinear(input, grid, false), 1e-6, "batch 1");
        TensorAssert.AllCloseAbs(expected, ChannelsLastGridSample.Bilinear(input.expand(3, -1, -1, -1), grid, false), 1e-6, "expanded");
        TensorAssert.AllCloseAbs(expected, ChannelsLastGridSample.Bilinear(input.expand(3, -1, -1, -1).contiguous(), grid, false), 1e-6, "contiguous");
        Assert.Throws<ArgumentException>(() => ChannelsLastGridSample.Bilinear(randn(2, 8, 9, 10), grid, false));
    }
}
