using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Motion.Blocks;

/// <summary>kp2gaussian of the published util.py: a Gaussian bump around each keypoint.</summary>
public static class Kp2Gaussian
{
    /// <summary>mean [..., K, 2] → exp(−½‖grid − mean‖² / variance) of shape [..., K, h, w].</summary>
    public static Tensor kp2gaussian(Tensor mean, long h, long w, double kp_variance)
    {
        using var scope = NewDisposeScope();
        var coordinate_grid = CoordinateGrid.make_coordinate_grid(h, w, mean.dtype, mean.device);
        var lead = mean.shape[..^1];
        var shape = Enumerable.Repeat(1L, lead.Length).Concat(coordinate_grid.shape).ToArray();
        coordinate_grid = coordinate_grid.view(shape);
        var repeats = lead.Concat(new long[] { 1, 1, 1 }).ToArray();
        coordinate_grid = coordinate_grid.repeat(repeats);
        var m = mean.view(lead.Concat(new long[] { 1, 1, 2 }).ToArray());
        var mean_sub = coordinate_grid - m;
        var @out = exp(-0.5 * mean_sub.pow(2).sum(-1) / kp_variance);
        return @out.MoveToOuterDisposeScope();
    }
}
