using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Blocks;

/// <summary>kp2gaussian of the published util.py: a Gaussian bump around each keypoint.</summary>
public static class Kp2Gaussian
{
    /// <summary>mean [..., K, 2] → exp(−½‖grid − mean‖² / variance) of shape [..., K, h, w].</summary>
    /// <remarks>
    /// The published code repeats the [h, w, 2] grid for every keypoint and sums the squared differences over
    /// the last dimension. Computed here per axis instead: (x − mean_x)² over the w columns plus (y − mean_y)²
    /// over the h rows, broadcast to [h, w]: the same two terms added in the same order, without the repeated
    /// grid and the reduction over a dimension of size 2 (slow in libtorch).
    /// </remarks>
    public static Tensor kp2gaussian(Tensor mean, long h, long w, double kp_variance)
    {
        using var scope = NewDisposeScope();
        var coordinate_grid = CoordinateGrid.make_coordinate_grid(h, w, mean.dtype, mean.device);
        var x = coordinate_grid[0, .., 0]; // [w]
        var y = coordinate_grid[.., 0, 1]; // [h]
        var mean_x = mean.select(-1, 0).unsqueeze(-1); // [..., K, 1]
        var mean_y = mean.select(-1, 1).unsqueeze(-1);
        var x_sub = (x - mean_x).pow(S(2)).unsqueeze(-2); // [..., K, 1, w]
        var y_sub = (y - mean_y).pow(S(2)).unsqueeze(-1); // [..., K, h, 1]
        var @out = exp(S(-0.5) * x_sub.add(y_sub, One) / S(kp_variance));
        return @out.MoveToOuterDisposeScope();
    }
}
