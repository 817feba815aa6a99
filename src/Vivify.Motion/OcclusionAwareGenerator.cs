using TorchSharp;
using TorchSharp.Modules;
using Vivify.Motion.Blocks;
using Vivify.Torch.Modules;
using static TorchSharp.torch;

namespace Vivify.Motion;

/// <summary>What <see cref="OcclusionAwareGenerator"/> returns; disposing disposes every tensor.</summary>
public sealed class GeneratorOutput : IDisposable
{
    public required Tensor prediction { get; init; }
    public Tensor? mask { get; init; }
    public Tensor? sparse_deformed { get; init; }
    public Tensor? occlusion_map { get; init; }
    public Tensor? deformation { get; init; }
    public Tensor? deformed { get; init; }

    public void Dispose()
    {
        prediction.Dispose();
        mask?.Dispose();
        sparse_deformed?.Dispose();
        occlusion_map?.Dispose();
        deformation?.Dispose();
        deformed?.Dispose();
    }
}

/// <summary>
/// OcclusionAwareGenerator of the published generator.py: encodes the source, warps its features with
/// the dense motion, masks them with the occlusion map, and decodes through a residual bottleneck.
/// </summary>
public sealed class OcclusionAwareGenerator : nn.Module
{
    internal readonly DenseMotionNetwork? dense_motion_network;
    internal readonly SameBlock2d first;
    internal readonly ModuleList<DownBlock2d> down_blocks;
    internal readonly ModuleList<UpBlock2d> up_blocks;
    internal readonly Sequential bottleneck;
    internal readonly Conv2d final;
    private bool _alignCorners;
    /// <summary>The final convolution computed on 2×2 blocks (<see cref="SpaceToDepthConv"/>), once <see cref="PrepareForInference"/> made it.</summary>
    private SpaceToDepthConv? finalBlocks;

    public OcclusionAwareGenerator(long num_channels, long num_kp, long block_expansion, long max_features, int num_down_blocks,
        int num_bottleneck_blocks, bool estimate_occlusion_map = false, DenseMotionParams? dense_motion_params = null,
        bool estimate_jacobian = false, Device? device = null) : base(nameof(OcclusionAwareGenerator))
    {
        if (dense_motion_params is not null)
            dense_motion_network = new DenseMotionNetwork(dense_motion_params.block_expansion, dense_motion_params.num_blocks,
                dense_motion_params.max_features, num_kp, num_channels, estimate_occlusion_map,
                dense_motion_params.scale_factor, dense_motion_params.kp_variance, device);

        first = new SameBlock2d(num_channels, block_expansion, kernel_size: 7, padding: 3, device: device);

        down_blocks = new ModuleList<DownBlock2d>();
        for (var i = 0; i < num_down_blocks; i++)
        {
            var in_features = Math.Min(max_features, block_expansion * (1L << i));
            var out_features = Math.Min(max_features, block_expansion * (1L << (i + 1)));
            down_blocks.Add(new DownBlock2d(in_features, out_features, kernel_size: 3, padding: 1, device: device));
        }

        up_blocks = new ModuleList<UpBlock2d>();
        for (var i = 0; i < num_down_blocks; i++)
        {
            var in_features = Math.Min(max_features, block_expansion * (1L << (num_down_blocks - i)));
            var out_features = Math.Min(max_features, block_expansion * (1L << (num_down_blocks - i - 1)));
            up_blocks.Add(new UpBlock2d(in_features, out_features, kernel_size: 3, padding: 1, device: device));
        }

        var bottleneck_features = Math.Min(max_features, block_expansion * (1L << num_down_blocks));
        bottleneck = nn.Sequential(Enumerable.Range(0, num_bottleneck_blocks)
            .Select(i => ("r" + i, (nn.Module<Tensor, Tensor>)new ResBlock2d(bottleneck_features, kernel_size: 3, padding: 1, device: device))).ToArray());

        final = nn.Conv2d(block_expansion, num_channels, (7, 7), padding: (3, 3), device: device);
        RegisterComponents();
    }

    /// <param name="device">Where the weights are made; the meta device gives a model without weights, to be given a checkpoint's (<see cref="FommCheckpoint.ForInference"/>).</param>
    public static OcclusionAwareGenerator FromConfig(ModelParams p, Device? device = null) => new(
        p.common_params.num_channels, p.common_params.num_kp, p.generator_params.block_expansion,
        p.generator_params.max_features, p.generator_params.num_down_blocks, p.generator_params.num_bottleneck_blocks,
        p.generator_params.estimate_occlusion_map, p.generator_params.dense_motion_params, p.common_params.estimate_jacobian, device);

    /// <summary>
    /// grid_sample geometry of every warp: false (default) reproduces the published code under PyTorch ≥ 1.3;
    /// true reproduces PyTorch 1.0, under which the published checkpoints were trained. Bilinear
    /// interpolate is align_corners=false in both (its default changed already in PyTorch 0.4).
    /// </summary>
    public bool align_corners
    {
        get => _alignCorners;
        set
        {
            _alignCorners = value;
            if (dense_motion_network is not null) dense_motion_network.align_corners = value;
        }
    }

    /// <summary>
    /// For a model whose weights are fixed from now on (inference only, as <see cref="MotionTransfer"/> makes it): the
    /// final convolution by <see cref="SpaceToDepthConv"/> (on the CPU), the dense motion network's mask and occlusion
    /// convolutions as one, and the bottleneck's weights laid out for oneDNN (<see cref="ResBlock2d.PrepareForInference"/>).
    /// Call after the weights have their dtype and device; eval mode uses them.
    /// </summary>
    internal void PrepareForInference()
    {
        finalBlocks?.Dispose();
        // On the CPU only, where it was measured (as WinogradConv): cuDNN's kernels are another matter.
        finalBlocks = final.weight!.device_type == DeviceType.CPU && SpaceToDepthConv.Fits(final) ? SpaceToDepthConv.From(final) : null;
        dense_motion_network?.PrepareForInference();
        foreach (var block in bottleneck.children().OfType<ResBlock2d>()) block.PrepareForInference();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            finalBlocks?.Dispose();
            finalBlocks = null;
        }
        base.Dispose(disposing);
    }

    public Tensor deform_input(Tensor inp, Tensor deformation)
    {
        using var scope = NewDisposeScope();
        return Sample(inp, Resized(deformation, inp), _alignCorners).MoveToOuterDisposeScope();
    }

    /// <summary>The deformation [N, h, w, 2] bilinearly resized to <paramref name="inp"/>'s height and width, as deform_input does; itself when they agree.</summary>
    private static Tensor Resized(Tensor deformation, Tensor inp)
    {
        long h = inp.shape[2], w = inp.shape[3];
        if (deformation.shape[1] == h && deformation.shape[2] == w) return deformation;
        var grid = nn.functional.interpolate(deformation.permute(0, 3, 1, 2), size: [h, w], mode: InterpolationMode.Bilinear, align_corners: false);
        return grid.permute(0, 2, 3, 1);
    }

    /// <summary>The occlusion map [N, 1, h', w'] bilinearly resized to <paramref name="height"/> × <paramref name="width"/>; itself when they agree.</summary>
    private static Tensor Resized(Tensor occlusion, long height, long width) =>
        occlusion.shape[2] == height && occlusion.shape[3] == width ? occlusion
            : nn.functional.interpolate(occlusion, size: [height, width], mode: InterpolationMode.Bilinear, align_corners: false);

    /// <summary>
    /// grid_sample of <paramref name="inp"/> at <paramref name="grid"/>, in the input's dtype. bf16/fp16 inputs are
    /// sampled in float32 (libtorch's grid_sample has no vectorised kernel for them: 3–8× slower than float32's,
    /// measured on vox-256's warps) and the result rounded back, so it is the float32 sampling of the same input.
    /// </summary>
    internal static Tensor Sample(Tensor inp, Tensor grid, bool align_corners)
    {
        if (inp.dtype is not (ScalarType.BFloat16 or ScalarType.Float16))
            return nn.functional.grid_sample(inp, grid.to(inp.dtype), align_corners: align_corners);
        using var scope = NewDisposeScope();
        var sampled = nn.functional.grid_sample(inp.to(ScalarType.Float32), grid.to(ScalarType.Float32), align_corners: align_corners);
        return sampled.to(inp.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>The source's encoded features (first block and down blocks): the same for every driving frame.</summary>
    public Tensor encode(Tensor source_image)
    {
        using var scope = NewDisposeScope();
        // Inference: channels-last feature maps, which oneDNN convolves without reordering them.
        var @out = first.forward(training ? source_image : ChannelsLast.Of(source_image));
        foreach (var down_block in down_blocks) @out = down_block.forward(@out);
        return @out.MoveToOuterDisposeScope();
    }

    public GeneratorOutput forward(Tensor source_image, Keypoints kp_driving, Keypoints kp_source)
    {
        using var scope = NewDisposeScope();
        var features = encode(source_image);
        return forward_encoded(source_image, features, kp_driving, kp_source).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The generator after the encoder, from features <paramref name="encoded"/> = <see cref="encode"/>(source_image).
    /// Source, its features and kp_source may have batch 1 against a batch of driving keypoints: they are expanded.
    /// </summary>
    /// <param name="motion_source">The source as the dense motion network reads it (<see cref="DenseMotionNetwork.downscale"/>), when already computed.</param>
    /// <param name="withDeformed">Whether to compute <see cref="GeneratorOutput.deformed"/> (the source warped at full resolution, for visualisation and training): inference needs only the prediction.</param>
    public GeneratorOutput forward_encoded(Tensor source_image, Tensor encoded, Keypoints kp_driving, Keypoints kp_source, bool withDeformed = true,
        Tensor? motion_source = null)
    {
        using var scope = NewDisposeScope();
        var bs = kp_driving.value.shape[0];
        if (encoded.shape[0] != bs) encoded = encoded.expand(bs, -1, -1, -1);

        // Each step's input is dropped as soon as the next exists (not at the end of this scope): the
        // full-resolution tensors of a batch are the largest memory the model needs.
        var @out = encoded;
        var owned = false;
        Tensor Next(Tensor input, Tensor output)
        {
            if (owned) input.Dispose();
            owned = true;
            return output;
        }
        Tensor? mask = null, sparse_deformed = null, occlusion_map = null, deformation = null, deformed = null;
        if (dense_motion_network is not null)
        {
            var dense_motion = motion_source is null ? dense_motion_network.forward(source_image, kp_driving, kp_source)
                : dense_motion_network.forward_downscaled(motion_source, kp_driving, kp_source);
            mask = dense_motion.mask;
            sparse_deformed = dense_motion.sparse_deformed;
            occlusion_map = dense_motion.occlusion_map;
            deformation = dense_motion.deformation;
            var occ = occlusion_map is null ? null : Resized(occlusion_map, @out.shape[2], @out.shape[3]);
            if (!training && @out.device_type == DeviceType.CPU) // warped and masked in one pass, laid out channels last for the bottleneck
                @out = Next(@out, ChannelsLastGridSample.Bilinear(@out, Resized(deformation, @out), _alignCorners, occ));
            else
            {
                @out = Next(@out, deform_input(@out, deformation));
                if (!training) @out = Next(@out, ChannelsLast.Of(@out));
                if (occ is not null) @out = Next(@out, @out * occ);
            }
            if (withDeformed) deformed = deform_input(source_image.shape[0] == bs ? source_image : source_image.expand(bs, -1, -1, -1), deformation);
        }

        @out = Next(@out, bottleneck.forward(@out));
        for (var i = 0; i < up_blocks.Count - 1; i++) @out = Next(@out, up_blocks[i].forward(@out));
        // Inference computes the final convolution on 2×2 blocks (SpaceToDepthConv), which the last up block gives as
        // it computes them where it can (UpBlock2d.forward_blocks): its output is then never laid out pixel by pixel.
        var last = up_blocks.Count > 0 ? up_blocks[up_blocks.Count - 1] : null;
        var fast = training ? null : finalBlocks;
        var blocks = fast is { TakesShiftedBlocks: true } && last is not null && SpaceToDepthConv.Pays(@out.shape[0], 2 * @out.shape[2], 2 * @out.shape[3])
            ? last.forward_blocks(@out) : null;
        if (blocks is not null)
        {
            @out = Next(@out, blocks);
            @out = Next(@out, fast!.forward_blocks(@out));
        }
        else
        {
            if (last is not null) @out = Next(@out, last.forward(@out));
            @out = Next(@out, fast is not null && SpaceToDepthConv.Pays(@out) ? fast.forward(@out) : final.forward(@out));
        }
        @out = Blocks.Fresh.Sigmoid(@out);
        if (!@out.is_contiguous()) @out = Next(@out, @out.contiguous());

        return new GeneratorOutput
        {
            prediction = @out.MoveToOuterDisposeScope(),
            mask = mask?.MoveToOuterDisposeScope(),
            sparse_deformed = sparse_deformed?.MoveToOuterDisposeScope(),
            occlusion_map = occlusion_map?.MoveToOuterDisposeScope(),
            deformation = deformation?.MoveToOuterDisposeScope(),
            deformed = deformed?.MoveToOuterDisposeScope(),
        };
    }
}

internal static class GeneratorOutputExtensions
{
    public static GeneratorOutput MoveToOuterDisposeScope(this GeneratorOutput o)
    {
        o.prediction.MoveToOuterDisposeScope();
        o.mask?.MoveToOuterDisposeScope();
        o.sparse_deformed?.MoveToOuterDisposeScope();
        o.occlusion_map?.MoveToOuterDisposeScope();
        o.deformation?.MoveToOuterDisposeScope();
        o.deformed?.MoveToOuterDisposeScope();
        return o;
    }
}
