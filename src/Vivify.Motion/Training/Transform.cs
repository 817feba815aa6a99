using TorchSharp;
using Vivify.Motion.Blocks;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Training;

/// <summary>
/// Transform of the published model.py (Sec. 3.3): a random thin-plate-spline warp (affine part <c>theta</c>
/// [bs,2,3], control points on a points_tps² grid with weights <c>control_params</c> [bs,1,points_tps²]) for the
/// equivariance losses. Owns its tensors.
/// </summary>
public sealed class Transform : IDisposable
{
    public Tensor theta { get; }
    public Tensor? control_points { get; }
    public Tensor? control_params { get; }
    public long bs { get; }
    public bool tps => control_points is not null;

    /// <summary>grid_sample geometry of <see cref="transform_frame"/> (false as the published code under PyTorch ≥ 1.3).</summary>
    public bool align_corners { get; init; }

    /// <summary>A transform with given parameters (the fixture's fixed one, or one drawn by <see cref="Random"/>).</summary>
    public Transform(Tensor theta, Tensor? control_points = null, Tensor? control_params = null)
    {
        if ((control_points is null) != (control_params is null))
            throw new ArgumentException("control_points and control_params come together");
        this.theta = theta;
        this.control_points = control_points;
        this.control_params = control_params;
        bs = theta.shape[0];
    }

    /// <summary>
    /// Draws a transform as the published constructor does: theta = eye(2,3) + N(0, sigma_affine²); with points_tps,
    /// control points on a points_tps×points_tps coordinate grid and control_params ~ N(0, sigma_tps²).
    /// </summary>
    public static Transform Random(long bs, TransformParams p, Generator? generator = null, bool align_corners = false)
    {
        using var scope = NewDisposeScope();
        var noise = randn([bs, 2, 3], generator: generator).mul_(S(p.sigma_affine));
        var theta = noise.add(eye(2, 3).view(1, 2, 3), One);
        Tensor? points = null, prms = null;
        if (p.points_tps > 0)
        {
            points = CoordinateGrid.make_coordinate_grid(p.points_tps, p.points_tps).unsqueeze(0);
            prms = randn([bs, 1, (long)p.points_tps * p.points_tps], generator: generator).mul_(S(p.sigma_tps));
        }
        return new Transform(theta.DetachFromDisposeScope(), points?.DetachFromDisposeScope(), prms?.DetachFromDisposeScope())
        {
            align_corners = align_corners,
        };
    }

    /// <summary>The frame [bs,C,H,W] resampled at the warped coordinate grid (reflection padding).</summary>
    public Tensor transform_frame(Tensor frame)
    {
        using var scope = NewDisposeScope();
        long h = frame.shape[2], w = frame.shape[3];
        var grid = CoordinateGrid.make_coordinate_grid(h, w, frame.dtype, frame.device).unsqueeze(0);
        grid = grid.view(1, h * w, 2);
        grid = warp_coordinates(grid).view(bs, h, w, 2);
        return nn.functional.grid_sample(frame, grid, padding_mode: GridSamplePaddingMode.Reflection, align_corners: align_corners)
            .MoveToOuterDisposeScope();
    }

    /// <summary>coordinates [bs or 1, N, 2] → warped [bs, N, 2].</summary>
    public Tensor warp_coordinates(Tensor coordinates)
    {
        using var scope = NewDisposeScope();
        var th = theta.to(coordinates.dtype, coordinates.device).unsqueeze(1);
        var transformed = matmul(th[.., .., .., ..2], coordinates.unsqueeze(-1)).add(th[.., .., .., 2..], One);
        transformed = transformed.squeeze(-1);

        if (control_points is not null && control_params is not null)
        {
            var points = control_points.to(coordinates.dtype, coordinates.device);
            var prms = control_params.to(coordinates.dtype, coordinates.device);
            var distances = coordinates.view(coordinates.shape[0], -1, 1, 2) - points.view(1, 1, -1, 2);
            distances = abs(distances).sum(-1);

            var result = distances.pow(S(2));
            result = result * log(distances.add(S(1e-6), One));
            result = result * prms;
            result = result.sum(dim: 2).view(bs, coordinates.shape[1], 1);
            transformed = transformed.add(result, One);
        }
        return transformed.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// d warp / d coordinates [bs, N, 2, 2] by autograd with create_graph (double backward): the result stays
    /// differentiable with respect to <paramref name="coordinates"/>, which must require grad.
    /// </summary>
    public Tensor jacobian(Tensor coordinates)
    {
        using var scope = NewDisposeScope();
        var new_coordinates = warp_coordinates(coordinates);
        var grad_x = autograd.grad([new_coordinates[TensorIndex.Ellipsis, 0].sum()], [coordinates], retain_graph: true, create_graph: true);
        var grad_y = autograd.grad([new_coordinates[TensorIndex.Ellipsis, 1].sum()], [coordinates], retain_graph: true, create_graph: true);
        var jacobian = cat([grad_x[0].unsqueeze(-2), grad_y[0].unsqueeze(-2)], dim: -2);
        return jacobian.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        theta.Dispose();
        control_points?.Dispose();
        control_params?.Dispose();
    }
}
