using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Blocks;

/// <summary>make_coordinate_grid and kp2gaussian of the published util.py.</summary>
public static class CoordinateGrid
{
    /// <summary>A meshgrid [-1,1]×[-1,1] of shape [h, w, 2], (x, y) order in the last dimension.</summary>
    public static Tensor make_coordinate_grid(long h, long w, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var x = arange(S(0), S(w), One, dtype: dtype, device: device);
        var y = arange(S(0), S(h), One, dtype: dtype, device: device);
        x = S(2) * (x / S(w - 1)) - S(1);
        y = S(2) * (y / S(h - 1)) - S(1);
        var yy = y.view(-1, 1).repeat(1, w);
        var xx = x.view(1, -1).repeat(h, 1);
        return cat([xx.unsqueeze(2), yy.unsqueeze(2)], 2).MoveToOuterDisposeScope();
    }
}
