using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Motion.Blocks;

/// <summary>make_coordinate_grid and kp2gaussian of the published util.py.</summary>
public static class CoordinateGrid
{
    /// <summary>A meshgrid [-1,1]×[-1,1] of shape [h, w, 2], (x, y) order in the last dimension.</summary>
    public static Tensor make_coordinate_grid(long h, long w, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var x = arange(w, dtype: dtype, device: device);
        var y = arange(h, dtype: dtype, device: device);
        x = 2 * (x / (w - 1)) - 1;
        y = 2 * (y / (h - 1)) - 1;
        var yy = y.view(-1, 1).repeat(1, w);
        var xx = x.view(1, -1).repeat(h, 1);
        return cat([xx.unsqueeze(2), yy.unsqueeze(2)], 2).MoveToOuterDisposeScope();
    }
}
