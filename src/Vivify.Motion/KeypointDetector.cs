using TorchSharp;
using TorchSharp.Modules;
using Vivify.Motion.Blocks;
using Vivify.Torch.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion;

/// <summary>
/// KPDetector of the published keypoint_detector.py: an hourglass over the (anti-aliased, downscaled)
/// frame, softmax heatmaps with a temperature, keypoints as heatmap means and a Jacobian head.
/// </summary>
public sealed class KeypointDetector : nn.Module<Tensor, Keypoints>
{
    internal readonly Hourglass predictor;
    internal readonly Conv2d kp;
    internal readonly Conv2d? jacobian;
    internal readonly AntiAliasInterpolation2d? down;
    private readonly long num_jacobian_maps;
    private readonly double temperature;
    private readonly double scale_factor;

    public KeypointDetector(long block_expansion, long num_kp, long num_channels, long max_features, int num_blocks,
        double temperature, bool estimate_jacobian = false, double scale_factor = 1, bool single_jacobian_map = false,
        long pad = 0, Device? device = null) : base("KPDetector")
    {
        predictor = new Hourglass(block_expansion, in_features: num_channels, max_features: max_features, num_blocks: num_blocks, device: device);
        kp = nn.Conv2d(predictor.out_filters, num_kp, (7, 7), padding: (pad, pad), device: device);
        if (estimate_jacobian)
        {
            num_jacobian_maps = single_jacobian_map ? 1 : num_kp;
            jacobian = nn.Conv2d(predictor.out_filters, 4 * num_jacobian_maps, (7, 7), padding: (pad, pad), device: device);
            using (no_grad())
            {
                jacobian.weight!.zero_();
                var identity = tensor(Enumerable.Range(0, (int)num_jacobian_maps).SelectMany(_ => new float[] { 1, 0, 0, 1 }).ToArray());
                jacobian.bias!.copy_(identity);
                identity.Dispose();
            }
        }
        this.temperature = temperature;
        this.scale_factor = scale_factor;
        if (scale_factor != 1) down = new AntiAliasInterpolation2d(num_channels, scale_factor, device);
        RegisterComponents();
    }

    /// <param name="device">Where the weights are made; the meta device gives a model without weights, to be given a checkpoint's (<see cref="FommCheckpoint.ForInference"/>).</param>
    public static KeypointDetector FromConfig(ModelParams p, Device? device = null) => new(
        p.kp_detector_params.block_expansion, p.common_params.num_kp, p.common_params.num_channels,
        p.kp_detector_params.max_features, p.kp_detector_params.num_blocks, p.kp_detector_params.temperature,
        p.common_params.estimate_jacobian, p.kp_detector_params.scale_factor, p.kp_detector_params.single_jacobian_map,
        p.kp_detector_params.pad, device);

    /// <summary>Extracts the mean of each heatmap [N, K, h, w] → [N, K, 2].</summary>
    public static Tensor gaussian2kp(Tensor heatmap)
    {
        using var scope = NewDisposeScope();
        var shape = heatmap.shape;
        var h = heatmap.unsqueeze(-1);
        var grid = CoordinateGrid.make_coordinate_grid(shape[2], shape[3], heatmap.dtype, heatmap.device).unsqueeze(0).unsqueeze(0);
        return (h * grid).sum([2, 3]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// For inference in bf16 (<see cref="MotionTransfer"/>): the hourglass and the downscale computed in
    /// <paramref name="dtype"/>, the keypoint and Jacobian heads kept float32, their input converted to it. The heatmaps'
    /// softmax divides the keypoint head's output by the temperature (0.1), which magnifies that output's bf16 rounding
    /// tenfold. On a random vox-256 with calibrated batch norms, bf16 frames were 35.8–41.0 dB from float32's with bf16
    /// heads and 37.8–42.7 dB with float32 heads (bench/animate/results.md; the rest is mostly the hourglass's own
    /// rounding moving the keypoints). The float32 heads cost about 1 ms of the detector's 9 ms a frame.
    /// </summary>
    internal void ToInferenceDtype(ScalarType dtype)
    {
        predictor.to(dtype);
        down?.to(dtype);
    }

    /// <summary>The keypoint and Jacobian convolutions as one, once <see cref="PrepareForInference"/> made it.</summary>
    private MergedConv? heads;

    /// <summary>For fixed weights (inference only): the keypoint and Jacobian convolutions as one (<see cref="MergedConv"/>).</summary>
    internal void PrepareForInference()
    {
        heads?.Dispose();
        heads = jacobian is null ? null : MergedConv.From(kp, jacobian);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            heads?.Dispose();
            heads = null;
        }
        base.Dispose(disposing);
    }

    public override Keypoints forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (down is not null) x = down.forward(x);
        if (!training) x = ChannelsLast.Of(x); // inference: no layout reorders around the convolutions

        var feature_map = predictor.forward(x);
        if (feature_map.dtype != kp.weight!.dtype) feature_map = feature_map.to(kp.weight.dtype); // float32 heads (ToInferenceDtype)
        var (keypoint_maps, jacobian_maps) = !training && heads is { } merged && merged.forward(feature_map) is [var keypointPart, var jacobianPart]
            ? (keypointPart, jacobianPart) : (kp.forward(feature_map), (Tensor?)null);
        // Heatmap softmax and keypoint/Jacobian sums run in float32 even for a bf16 model: they sum thousands of terms.
        var prediction = Precision.Accumulating(keypoint_maps);

        var final_shape = prediction.shape;
        var heatmap = prediction.reshape(final_shape[0], final_shape[1], -1);
        heatmap = nn.functional.softmax(heatmap / S(temperature), dim: 2);
        heatmap = heatmap.view(final_shape);

        var value = gaussian2kp(heatmap);
        Tensor? jac = null;
        if (jacobian is not null)
        {
            var jacobian_map = Precision.Accumulating(jacobian_maps ?? jacobian.forward(feature_map));
            jacobian_map = jacobian_map.reshape(final_shape[0], num_jacobian_maps, 4, final_shape[2], final_shape[3]);
            var hm = heatmap.unsqueeze(2);
            var j = hm * jacobian_map;
            j = j.view(final_shape[0], final_shape[1], 4, -1);
            j = j.sum(-1);
            jac = j.view(j.shape[0], j.shape[1], 2, 2);
        }
        return new Keypoints(value, jac).MoveToOuterDisposeScope();
    }
}
