using TorchSharp;
using Vivify.Media;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion;

/// <summary>normalize_kp of the published animate.py / demo.py: relative motion transfer.</summary>
public static class NormalizeKp
{
    /// <summary>
    /// Driving keypoints expressed for the source: with relative movement, the source keypoints plus the
    /// driving keypoints' movement since <paramref name="kp_driving_initial"/> (scaled by √(source hull area) /
    /// √(initial hull area) with <paramref name="adapt_movement_scale"/>, areas of the first item of each batch);
    /// with relative Jacobians, J_driving · J_initial⁻¹ · J_source. The caller owns the result's new tensors;
    /// tensors taken unchanged from <paramref name="kp_driving"/> are shared.
    /// </summary>
    public static Keypoints normalize_kp(Keypoints kp_source, Keypoints kp_driving, Keypoints kp_driving_initial,
        bool adapt_movement_scale = false, bool use_relative_movement = false, bool use_relative_jacobian = false)
    {
        using var scope = NewDisposeScope();
        var scale = 1.0;
        if (adapt_movement_scale)
        {
            var source_area = ConvexHull.Area(Points(kp_source.value));
            var driving_area = ConvexHull.Area(Points(kp_driving_initial.value));
            scale = Math.Sqrt(source_area) / Math.Sqrt(driving_area);
        }

        var value = kp_driving.value;
        var jacobian = kp_driving.jacobian;
        if (use_relative_movement)
        {
            var kp_value_diff = kp_driving.value - kp_driving_initial.value;
            if (adapt_movement_scale) kp_value_diff = kp_value_diff * S(scale);
            value = kp_value_diff.add(kp_source.value, One).MoveToOuterDisposeScope();

            if (use_relative_jacobian && jacobian is not null)
            {
                var jacobian_diff = matmul(kp_driving.jacobian!, DenseMotionNetwork.Inverse(kp_driving_initial.jacobian!));
                jacobian = matmul(jacobian_diff, kp_source.jacobian!).MoveToOuterDisposeScope();
            }
        }
        return new Keypoints(value, jacobian);
    }

    private static List<(double X, double Y)> Points(Tensor value)
    {
        var v = value[0].detach().to(ScalarType.Float64, CPU).contiguous();
        var data = v.data<double>().ToArray();
        v.Dispose();
        var points = new List<(double, double)>(data.Length / 2);
        for (var i = 0; i + 1 < data.Length; i += 2) points.Add((data[i], data[i + 1]));
        return points;
    }
}
