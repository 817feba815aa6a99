using TorchSharp;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

public class MotionTransferTests
{
    private static (KeypointDetector, OcclusionAwareGenerator) TinyModels(int seed)
    {
        random.manual_seed(seed);
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        var kp = KeypointDetector.FromConfig(config.model_params);
        var gen = OcclusionAwareGenerator.FromConfig(config.model_params);
        // Non-trivial keypoints and Jacobians: the untrained Jacobian head is all zeros.
        using (no_grad())
        {
            kp.jacobian!.weight!.normal_(0, 0.05);
            foreach (var (name, buffer) in gen.named_buffers().Concat(kp.named_buffers()))
            {
                if (name.EndsWith("running_mean", StringComparison.Ordinal)) buffer.uniform_(-0.1, 0.1);
                if (name.EndsWith("running_var", StringComparison.Ordinal)) buffer.uniform_(0.5, 1.5);
            }
        }
        kp.eval();
        gen.eval();
        return (kp, gen);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void Batched_frames_with_the_source_encoded_once_equal_the_published_per_frame_loop(bool relative, bool adapt)
    {
        var (kp, gen) = TinyModels(3);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var source = rand(1, 3, 64, 64, generator: new Generator(11));
        var driving = rand(4, 3, 64, 64, generator: new Generator(12));
        var options = new AnimationOptions(relative, adapt);

        // The published make_animation: every frame alone through the whole generator.
        var kp_source = kp.forward(source);
        var kp_initial = kp.forward(driving[TensorIndex.Slice(0, 1)]);
        var expected = new List<Tensor>();
        for (var i = 0; i < 4; i++)
        {
            using var frameScope = NewDisposeScope();
            var kp_driving = kp.forward(driving[TensorIndex.Slice(i, i + 1)]);
            var kp_norm = NormalizeKp.normalize_kp(kp_source, kp_driving, kp_initial, adapt, relative, relative);
            expected.Add(gen.forward(source, kp_norm, kp_source).prediction.MoveToOuterDisposeScope());
        }

        var transfer = new MotionTransfer(kp, gen);
        using var prepared = transfer.Prepare(source);
        var actual = transfer.Animate(prepared, driving, kp_initial, options);
        TensorAssert.AllCloseAbs(cat(expected, 0), actual, 1e-5, "batched prediction");
        kp.Dispose(); gen.Dispose();
    }

    [Fact]
    public void Relative_mode_with_the_source_as_initial_frame_gives_the_model_output_for_the_source_itself()
    {
        var (kp, gen) = TinyModels(5);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var source = rand(1, 3, 64, 64, generator: new Generator(21));
        var transfer = new MotionTransfer(kp, gen);
        using var prepared = transfer.Prepare(source);
        var initial = transfer.DetectKeypoints(source);
        var actual = transfer.Animate(prepared, source, initial, new AnimationOptions(Relative: true, AdaptScale: true));
        var expected = gen.forward(source, prepared.Keypoints, prepared.Keypoints).prediction;
        TensorAssert.AllCloseAbs(expected, actual, 1e-5, "first frame");
        kp.Dispose(); gen.Dispose();
    }
}

public class MotionTransferPrecisionTests(Xunit.Abstractions.ITestOutputHelper log)
{
    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(8)]
    [InlineData(10)]
    public void Bf16_predictions_stay_within_40_dB_psnr_of_fp32(int seed)
    {
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        KeypointDetector Kp() { random.manual_seed(seed); var k = KeypointDetector.FromConfig(config.model_params); using (no_grad()) k.jacobian!.weight!.normal_(0, 0.05); k.eval(); return k; }
        OcclusionAwareGenerator Gen() { random.manual_seed(seed + 1); var g = OcclusionAwareGenerator.FromConfig(config.model_params); g.eval(); return g; }
        using var scope = NewDisposeScope();
        var source = rand(1, 3, 64, 64, generator: new Generator(31));
        var driving = rand(3, 3, 64, 64, generator: new Generator(32));

        Tensor Run(ScalarType precision)
        {
            using var kp = Kp();
            using var gen = Gen();
            // bf16 arithmetic whatever this CPU's speed at it (by default a CPU slower at bf16 computes float32).
            var transfer = new MotionTransfer(kp, gen, foldBatchNorm: true, precision: precision, nativeBf16: true);
            using var prepared = transfer.Prepare(source);
            var initial = transfer.DetectKeypoints(driving[TensorIndex.Slice(0, 1)]);
            return transfer.Animate(prepared, driving, initial, new AnimationOptions(Relative: true));
        }

        var fp32 = Run(ScalarType.Float32);
        var bf16 = Run(ScalarType.BFloat16);
        Assert.Equal(ScalarType.Float32, bf16.dtype);
        var mse = (bf16 - fp32).pow(2).mean().item<float>();
        var psnr = 10 * Math.Log10(1.0 / mse);
        log.WriteLine($"bf16 vs fp32 PSNR {psnr:F1} dB (seed {seed})");
        Assert.True(psnr >= 40, $"PSNR {psnr:F1} dB < 40 dB");
        Assert.True(mse > 0, "bf16 really ran in bf16");
    }

    /// <summary>
    /// A bf16 transfer computes the keypoint detector's hourglass in bf16 and its keypoint and Jacobian heads in
    /// float32 (the heatmap temperature magnifies the heads' rounding tenfold): the heads' weights keep their float32
    /// values, and the hourglass computes in bf16.
    /// </summary>
    [Fact]
    public void Bf16_keeps_the_keypoint_heads_in_float32()
    {
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        random.manual_seed(3);
        using var kp = KeypointDetector.FromConfig(config.model_params);
        using var gen = OcclusionAwareGenerator.FromConfig(config.model_params);
        kp.eval();
        gen.eval();
        using var scope = NewDisposeScope();
        var heads = kp.kp.weight!.clone();
        var transfer = new MotionTransfer(kp, gen, precision: ScalarType.BFloat16, inferenceOnly: true, nativeBf16: true);
        Assert.Equal(ScalarType.Float32, kp.kp.weight!.dtype);
        Assert.Equal(ScalarType.Float32, kp.jacobian!.weight!.dtype);
        TensorAssert.AllCloseAbs(heads, kp.kp.weight, 0, "the keypoint head's weights, not rounded to bf16");
        using (no_grad())
            Assert.Equal(ScalarType.BFloat16, kp.predictor.forward(rand(1, 3, 16, 16).to(ScalarType.BFloat16)).dtype); // its weights, folded, are bf16
        var keypoints = transfer.DetectKeypoints(rand(2, 3, 64, 64, generator: new Generator(5)));
        Assert.Equal(ScalarType.Float32, keypoints.value.dtype);
        Assert.Equal([2L, 10, 2], keypoints.value.shape);
    }

    [Fact]
    public void Bf16_computed_in_float32_predicts_what_fp32_predicts()
    {
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        using var scope = NewDisposeScope();
        var source = rand(1, 3, 64, 64, generator: new Generator(33));
        var driving = rand(2, 3, 64, 64, generator: new Generator(34));
        Tensor Run(ScalarType precision, bool? nativeBf16, out ScalarType compute)
        {
            random.manual_seed(5);
            using var kp = KeypointDetector.FromConfig(config.model_params);
            using var gen = OcclusionAwareGenerator.FromConfig(config.model_params);
            kp.eval();
            gen.eval();
            var transfer = new MotionTransfer(kp, gen, foldBatchNorm: true, precision: precision, nativeBf16: nativeBf16);
            compute = transfer.ComputeType;
            using var prepared = transfer.Prepare(source);
            using var initial = transfer.DetectKeypoints(driving.narrow(0, 0, 1));
            return transfer.Animate(prepared, driving, initial, new AnimationOptions());
        }
        var fp32 = Run(ScalarType.Float32, null, out _);
        var inFloat32 = Run(ScalarType.BFloat16, false, out var c32);
        Assert.Equal(ScalarType.Float32, c32);
        TensorAssert.Equal(fp32, inFloat32, "bf16 computed in float32");
        Run(ScalarType.BFloat16, true, out var c16).Dispose();
        Assert.Equal(ScalarType.BFloat16, c16);
        Run(ScalarType.BFloat16, null, out var auto).Dispose();
        Assert.Equal(BFloat16Compute.FastOnThisCpu ? ScalarType.BFloat16 : ScalarType.Float32, auto);
    }

    [Theory]
    [InlineData("GenuineIntel", "avx512f avx512_bf16 avx512_fp16", false)] // Sapphire/Emerald Rapids without AMX (a VM): bf16 at float32's rate
    [InlineData("GenuineIntel", "avx512f avx512_bf16 avx512_fp16 amx_bf16 amx_tile", true)] // with AMX
    [InlineData("GenuineIntel", "avx512f avx512_bf16", true)] // Cooper Lake
    [InlineData("GenuineIntel", "avx2 avx512f", false)] // emulated
    [InlineData("AuthenticAMD", "avx512f avx512_bf16", true)] // Zen 4
    [InlineData("AuthenticAMD", "avx2 fma", false)]
    [InlineData("", "", true)] // nothing known: as asked
    public void Bf16_pays_where_the_cpu_multiplies_bf16_faster(string vendor, string flags, bool fast)
    {
        Assert.Equal(fast, BFloat16Compute.IsFast(vendor, flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet()));
    }

    [Fact]
    public void Unsupported_precision_is_a_usage_error()
    {
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        using var kp = KeypointDetector.FromConfig(config.model_params);
        using var gen = OcclusionAwareGenerator.FromConfig(config.model_params);
        Assert.Throws<ArgumentException>(() => new MotionTransfer(kp, gen, precision: ScalarType.Int32));
    }
}

public class MotionTransferMemoryTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void An_inference_only_transfer_frees_the_folded_weights_and_predicts_the_same(ScalarType precision)
    {
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        (KeypointDetector, OcclusionAwareGenerator) Models()
        {
            random.manual_seed(7);
            var kp = KeypointDetector.FromConfig(config.model_params);
            var gen = OcclusionAwareGenerator.FromConfig(config.model_params);
            using (no_grad())
            {
                kp.jacobian!.weight!.normal_(0, 0.05);
                foreach (var (name, b) in gen.named_buffers().Concat(kp.named_buffers()))
                    if (name.EndsWith("running_var", StringComparison.Ordinal)) b.uniform_(0.5, 1.5);
            }
            kp.eval();
            gen.eval();
            return (kp, gen);
        }
        using var scope = NewDisposeScope();
        var source = rand(1, 3, 64, 64, generator: new Generator(41));
        var driving = rand(2, 3, 64, 64, generator: new Generator(42));
        Tensor Run(bool inferenceOnly, out long bytes)
        {
            var (kp, gen) = Models();
            using (kp)
            using (gen)
            {
                var transfer = new MotionTransfer(kp, gen, foldBatchNorm: true, precision: precision, inferenceOnly: inferenceOnly);
                bytes = gen.parameters().Concat(kp.parameters()).Concat(gen.buffers()).Concat(kp.buffers())
                    .Where(t => t.device.type != DeviceType.META).Sum(t => t.NumberOfElements * t.ElementSize);
                using var prepared = transfer.Prepare(source);
                using var initial = transfer.DetectKeypoints(driving.narrow(0, 0, 1));
                return transfer.Animate(prepared, driving, initial, new AnimationOptions());
            }
        }
        var kept = Run(false, out var keptBytes);
        var freed = Run(true, out var freedBytes);
        // The same sums of the same products, some added in another order: the inference-only generator computes its
        // final convolution on 2×2 blocks (SpaceToDepthConv) and the mask and occlusion convolutions as one. Float32
        // rounding: within 1e-6 of values in [0, 1]; bf16 rounds both to the same values here.
        TensorAssert.AllCloseAbs(kept, freed, 1e-6, "predictions");
        // What stays: the unfolded convolutions (res blocks' second ones, heads, final) and the norms before convolutions;
        // tiny.yaml's are a third of its weights (vox-256's a sixth).
        Assert.True(freedBytes < keptBytes / 2, $"{freedBytes} bytes of weights left of {keptBytes}");
    }
}
