using TorchSharp;
using Vivify.Motion.Blocks;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

public class GeometryTests
{
    [Fact]
    public void Coordinate_grid_spans_minus_one_to_one_with_x_first()
    {
        using var g = CoordinateGrid.make_coordinate_grid(3, 5);
        Assert.Equal([3L, 5, 2], g.shape);
        Assert.Equal(-1f, g[0, 0, 0].item<float>());
        Assert.Equal(1f, g[0, 4, 0].item<float>());
        Assert.Equal(0.5f, g[0, 3, 0].item<float>());
        Assert.Equal(-1f, g[0, 4, 1].item<float>());
        Assert.Equal(1f, g[2, 0, 1].item<float>());
    }

    [Fact]
    public void Kp2gaussian_peaks_at_the_keypoint()
    {
        using var mean = tensor(new float[] { 0f, 0f, -1f, 1f }).view(1, 2, 2);
        using var g = Kp2Gaussian.kp2gaussian(mean, 5, 5, 0.01);
        Assert.Equal([1L, 2, 5, 5], g.shape);
        Assert.Equal(1f, g[0, 0, 2, 2].item<float>(), 6);
        Assert.Equal(1f, g[0, 1, 4, 0].item<float>(), 6);
        Assert.Equal(Math.Exp(-0.5 * 0.25 / 0.01), g[0, 0, 2, 3].item<float>(), 6);
    }

    [Fact]
    public void Identity_warp_reproduces_the_input_exactly_only_with_align_corners_true()
    {
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        using var gen = OcclusionAwareGenerator.FromConfig(config.model_params);
        using var scope = NewDisposeScope();
        var image = rand(1, 3, 8, 8, generator: new Generator(7));
        var identity = CoordinateGrid.make_coordinate_grid(8, 8).unsqueeze(0);

        gen.align_corners = true;
        TensorAssert.AllCloseAbs(image, gen.deform_input(image, identity), 1e-6, "align_corners=true identity warp");
        Assert.True(gen.dense_motion_network!.align_corners);

        gen.align_corners = false;
        var shifted = gen.deform_input(image, identity);
        Assert.True((shifted - image).abs().max().item<float>() > 1e-2f, "align_corners=false samples between pixel centres");
        Assert.False(gen.dense_motion_network.align_corners);
    }

    [Fact]
    public void Keypoint_detector_jacobian_head_starts_as_identity()
    {
        using var kp = new KeypointDetector(4, 3, 3, 16, 2, 0.1, estimate_jacobian: true, scale_factor: 0.5);
        using var scope = NewDisposeScope();
        var k = kp.forward(rand(2, 3, 32, 32, generator: new Generator(1)));
        Assert.Equal([2L, 3, 2], k.value.shape);
        var eye = torch.eye(2).expand(2, 3, 2, 2);
        TensorAssert.AllCloseAbs(eye, k.jacobian!, 1e-5, "initial jacobian");
        Assert.True(k.value.abs().max().item<float>() <= 1f);
    }

    [Fact]
    public void Anti_alias_downscale_keeps_a_constant_image_constant_away_from_the_border()
    {
        using var down = new AntiAliasInterpolation2d(3, 0.25);
        Assert.Equal([3L, 1, 13, 13], down.weight.shape);
        using var scope = NewDisposeScope();
        var y = down.forward(ones(1, 3, 64, 64));
        Assert.Equal([1L, 3, 16, 16], y.shape);
        Assert.Equal(1f, y[0, 0, 8, 8].item<float>(), 5);
        Assert.Equal(1f, down.weight[0].sum().item<float>(), 5);
    }
}
