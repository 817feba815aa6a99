using TorchSharp;
using TorchSharp.Modules;
using Vivify.Motion.Blocks;
using Vivify.Torch.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion;

/// <summary>What <see cref="DenseMotionNetwork"/> predicts; disposing disposes every tensor.</summary>
public sealed class DenseMotion : IDisposable
{
    public required Tensor sparse_deformed { get; init; }
    public required Tensor mask { get; init; }
    public required Tensor deformation { get; init; }
    public Tensor? occlusion_map { get; init; }

    public void Dispose()
    {
        sparse_deformed.Dispose();
        mask.Dispose();
        deformation.Dispose();
        occlusion_map?.Dispose();
    }
}

/// <summary>
/// DenseMotionNetwork of the published dense_motion.py: predicts the dense motion (and occlusion map)
/// from the sparse motions of the keypoints with their local affine Jacobians.
/// </summary>
public sealed class DenseMotionNetwork : nn.Module
{
    internal readonly Hourglass hourglass;
    internal readonly Conv2d mask;
    internal readonly Conv2d? occlusion;
    internal readonly AntiAliasInterpolation2d? down;
    private readonly long num_kp;
    private readonly double scale_factor;
    private readonly double kp_variance;
    /// <summary>The mask and occlusion convolutions as one, once <see cref="PrepareForInference"/> made it.</summary>
    private MergedConv? maskAndOcclusion;

    public DenseMotionNetwork(long block_expansion, int num_blocks, long max_features, long num_kp, long num_channels,
        bool estimate_occlusion_map = false, double scale_factor = 1, double kp_variance = 0.01, Device? device = null) : base(nameof(DenseMotionNetwork))
    {
        hourglass = new Hourglass(block_expansion, in_features: (num_kp + 1) * (num_channels + 1), max_features: max_features, num_blocks: num_blocks, device: device);
        mask = nn.Conv2d(hourglass.out_filters, num_kp + 1, (7, 7), padding: (3, 3), device: device);
        if (estimate_occlusion_map) occlusion = nn.Conv2d(hourglass.out_filters, 1, (7, 7), padding: (3, 3), device: device);
        this.num_kp = num_kp;
        this.scale_factor = scale_factor;
        this.kp_variance = kp_variance;
        if (scale_factor != 1) down = new AntiAliasInterpolation2d(num_channels, scale_factor, device);
        RegisterComponents();
    }

    /// <summary>For fixed weights (inference only): the mask and occlusion convolutions as one (<see cref="MergedConv"/>).</summary>
    internal void PrepareForInference()
    {
        maskAndOcclusion?.Dispose();
        maskAndOcclusion = occlusion is null ? null : MergedConv.From(mask, occlusion);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            maskAndOcclusion?.Dispose();
            maskAndOcclusion = null;
        }
        base.Dispose(disposing);
    }

    /// <summary>grid_sample geometry: false reproduces the published code under PyTorch ≥ 1.3, true PyTorch 1.0 (where the checkpoints were trained).</summary>
    public bool align_corners { get; set; }

    /// <summary>Eq. 6: H_k(z), the difference of driving and source Gaussians, with a zero background channel: [N, K+1, 1, h, w].</summary>
    public Tensor create_heatmap_representations(Tensor source_image, Keypoints kp_driving, Keypoints kp_source)
    {
        using var scope = NewDisposeScope();
        long h = source_image.shape[2], w = source_image.shape[3];
        var gaussian_driving = Kp2Gaussian.kp2gaussian(kp_driving.value, h, w, kp_variance);
        var gaussian_source = Kp2Gaussian.kp2gaussian(kp_source.value, h, w, kp_variance);
        var heatmap = gaussian_driving - gaussian_source;
        var zeros = torch.zeros(heatmap.shape[0], 1, h, w, dtype: heatmap.dtype, device: heatmap.device);
        heatmap = cat([zeros, heatmap], dim: 1);
        return heatmap.unsqueeze(2).MoveToOuterDisposeScope();
    }

    /// <summary>Eq. 4: T_{s←d}(z) for each keypoint, identity for the background: [N, K+1, h, w, 2].</summary>
    public Tensor create_sparse_motions(Tensor source_image, Keypoints kp_driving, Keypoints kp_source)
    {
        using var scope = NewDisposeScope();
        long bs = source_image.shape[0], h = source_image.shape[2], w = source_image.shape[3];
        var identity_grid = CoordinateGrid.make_coordinate_grid(h, w, kp_source.value.dtype, kp_source.value.device);
        identity_grid = identity_grid.view(1, 1, h, w, 2);
        var coordinate_grid = identity_grid - kp_driving.value.view(bs, num_kp, 1, 1, 2);
        if (kp_driving.jacobian is not null)
        {
            var jacobian = matmul(kp_source.jacobian!, Inverse(kp_driving.jacobian));
            // The published code repeats the 2×2 Jacobian to every pixel and multiplies h·w column vectors;
            // the same products as one [h·w, 2] × Jᵀ per keypoint.
            coordinate_grid = matmul(coordinate_grid.reshape(bs, num_kp, h * w, 2), jacobian.transpose(-1, -2));
            coordinate_grid = coordinate_grid.view(bs, num_kp, h, w, 2);
        }
        var driving_to_source = coordinate_grid.add(kp_source.value.view(bs, num_kp, 1, 1, 2), One);
        identity_grid = identity_grid.repeat(bs, 1, 1, 1, 1);
        return cat([identity_grid, driving_to_source], dim: 1).MoveToOuterDisposeScope();
    }

    /// <summary>torch.inverse; low-precision (bf16/fp16) matrices are inverted in float32, which linalg.inv requires.</summary>
    internal static Tensor Inverse(Tensor m)
    {
        if (m.dtype is ScalarType.BFloat16 or ScalarType.Float16)
        {
            using var m32 = m.to(ScalarType.Float32);
            using var inv = linalg.inv(m32);
            return inv.to(m.dtype);
        }
        return linalg.inv(m);
    }

    /// <summary>Eq. 7: the source warped by each sparse motion: [N, K+1, C, h, w].</summary>
    public Tensor create_deformed_source_image(Tensor source_image, Tensor sparse_motions)
    {
        using var scope = NewDisposeScope();
        long bs = source_image.shape[0], h = source_image.shape[2], w = source_image.shape[3];
        var source_repeat = source_image.unsqueeze(1).unsqueeze(1).repeat(1, num_kp + 1, 1, 1, 1, 1);
        source_repeat = source_repeat.view(bs * (num_kp + 1), -1, h, w);
        var motions = sparse_motions.view(bs * (num_kp + 1), h, w, -1);
        var sparse_deformed = OcclusionAwareGenerator.Sample(source_repeat, motions, align_corners);
        return sparse_deformed.view(bs, num_kp + 1, -1, h, w).MoveToOuterDisposeScope();
    }

    public DenseMotion forward(Tensor source_image, Keypoints kp_driving, Keypoints kp_source)
    {
        if (down is null) return forward_downscaled(source_image, kp_driving, kp_source);
        using var downscaled = down.forward(source_image);
        return forward_downscaled(downscaled, kp_driving, kp_source);
    }

    /// <summary>The source as this network reads it: anti-aliased and downscaled by scale_factor (itself at 1); the caller disposes it.</summary>
    public Tensor downscale(Tensor source_image) => down is null ? source_image.alias() : down.forward(source_image);

    /// <summary><see cref="forward"/> from the source already <see cref="downscale"/>d: the same for every driving frame of one source.</summary>
    public DenseMotion forward_downscaled(Tensor source_image, Keypoints kp_driving, Keypoints kp_source)
    {
        using var scope = NewDisposeScope();
        // A single source against a batch of driving keypoints: downscale once, then expand.
        var bs = kp_driving.value.shape[0];
        if (source_image.shape[0] != bs) source_image = source_image.expand(bs, -1, -1, -1);
        if (kp_source.value.shape[0] != bs)
            kp_source = new Keypoints(kp_source.value.expand(bs, -1, -1), kp_source.jacobian?.expand(bs, -1, -1, -1));
        long h = source_image.shape[2], w = source_image.shape[3];

        var heatmap_representation = create_heatmap_representations(source_image, kp_driving, kp_source);
        var sparse_motion = create_sparse_motions(source_image, kp_driving, kp_source);
        var deformed_source = create_deformed_source_image(source_image, sparse_motion);

        // Keypoint geometry is float32; the hourglass runs in the model's dtype (bf16 or float32).
        var input = cat([heatmap_representation.to(deformed_source.dtype), deformed_source], dim: 2);
        input = input.view(bs, -1, h, w).to(mask.weight!.dtype);
        if (!training) input = ChannelsLast.Of(input); // inference: no layout reorders around the convolutions

        var prediction = hourglass.forward(input);

        Tensor m;
        Tensor? occlusion_logits;
        if (!training && maskAndOcclusion is { } merged)
        {
            var both = merged.forward(prediction);
            (m, occlusion_logits) = (both[0], both[1]);
        }
        else (m, occlusion_logits) = (mask.forward(prediction), occlusion?.forward(prediction));
        m = nn.functional.softmax(m, dim: 1);
        var mask_out = m;
        var mu = m.unsqueeze(2);
        var sm = sparse_motion.permute(0, 1, 4, 2, 3);
        var deformation = (sm * mu.to(sm.dtype)).sum(1);
        deformation = deformation.permute(0, 2, 3, 1);

        Tensor? occlusion_map = occlusion is null ? null : sigmoid(occlusion_logits!);

        var result = new DenseMotion
        {
            sparse_deformed = deformed_source.MoveToOuterDisposeScope(),
            mask = mask_out.MoveToOuterDisposeScope(),
            deformation = deformation.MoveToOuterDisposeScope(),
            occlusion_map = occlusion_map?.MoveToOuterDisposeScope(),
        };
        return result;
    }
}
