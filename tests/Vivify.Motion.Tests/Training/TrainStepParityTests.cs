using TorchSharp;
using Vivify.Motion.Training;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

/// <summary>
/// One training step as the published train.py takes it, on fomm/train-case.pt's inputs: tiny.yaml,
/// checkpoint-legacy.pth.tar weights in train mode, the fixed TPS transform and the formula VGG19. The generator-side
/// losses are summed and backpropagated into keypoint detector and generator; then the discriminator's gradients are
/// zeroed and disc_gan backpropagated (four discriminator calls in all, one spectral-norm power iteration each).
/// </summary>
public sealed class StepResult : IDisposable
{
    public Dictionary<string, double> Losses { get; } = new();
    public Dictionary<string, Tensor> Grads { get; } = new();
    public Dictionary<string, Tensor> UBefore { get; } = new();
    public required Tensor Prediction { get; init; }
    public required Tensor TransformedFrame { get; init; }

    public static StepResult Run(Dictionary<string, Tensor> e, ScalarType dtype)
    {
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        var path = Fixtures.Path("fomm", "checkpoint-legacy.pth.tar");
        var checkpoint = FixtureData.Checkpoint(path);
        using var kp = KeypointDetector.FromConfig(config.model_params);
        using var gen = OcclusionAwareGenerator.FromConfig(config.model_params);
        using var disc = MultiScaleDiscriminator.FromConfig(config.model_params);
        FommCheckpoint.Load(kp, FommCheckpoint.Section(checkpoint, "kp_detector", path), "kp_detector", path);
        FommCheckpoint.Load(gen, FommCheckpoint.Section(checkpoint, "generator", path), "generator", path);
        FommCheckpoint.Load(disc, FommCheckpoint.Section(checkpoint, "discriminator", path), "discriminator", path);
        using var vgg = new Vgg19();
        FormulaVgg19.Fill(vgg.Convolutions.Select(c => c.Conv));
        foreach (var m in new nn.Module[] { kp, gen, vgg }) m.to(dtype);
        foreach (var (_, d) in disc.discs) d.to(dtype); // TorchSharp 0.107's Module.to fails on a ModuleDict
        kp.train(); gen.train(); disc.train();

        var uBefore = new Dictionary<string, Tensor>();
        foreach (var (name, b) in disc.named_buffers())
            if (name.EndsWith(".weight_u", StringComparison.Ordinal)) uBefore[name] = b.detach().clone();

        var train = config.train_params!;
        var channels = config.model_params.common_params.num_channels;
        var discScales = config.model_params.discriminator_params.scales;
        using var generatorFull = new GeneratorFullModel(kp, gen, disc, train, channels, discScales, vgg).to(dtype);
        using var discriminatorFull = new DiscriminatorFullModel(disc, train, channels, discScales).to(dtype);
        using var transform = new Transform(e["transform.theta"].clone(), e["transform.control_points"].clone(), e["transform.control_params"].clone());

        using var scope = NewDisposeScope();
        var (source, driving) = (e["source"].to(dtype), e["driving"].to(dtype));
        var (losses, generated) = generatorFull.forward(source, driving, transform);
        var result = new StepResult
        {
            Prediction = generated.prediction.detach().clone().DetachFromDisposeScope(),
            TransformedFrame = generated.transformed_frame!.detach().clone().DetachFromDisposeScope(),
        };
        foreach (var (k, v) in uBefore) result.UBefore[k] = v;
        foreach (var (k, v) in losses) result.Losses[k] = Scalar(v);
        Tensor? loss = null;
        foreach (var v in losses.Values) loss = loss is null ? v.mean() : loss + v.mean();
        loss!.backward();
        foreach (var (prefix, module) in new (string, nn.Module)[] { ("kp_detector.", kp), ("generator.", gen) })
            foreach (var (name, p) in module.named_parameters())
                if (p.grad is not null) result.Grads[prefix + name] = p.grad.detach().clone().DetachFromDisposeScope();

        foreach (var p in disc.parameters()) p.grad?.zero_();
        var disc_losses = discriminatorFull.forward(driving, generated);
        result.Losses["disc_gan"] = Scalar(disc_losses["disc_gan"]);
        disc_losses["disc_gan"].backward();
        foreach (var (name, p) in disc.named_parameters())
            if (p.grad is not null) result.Grads["discriminator." + name] = p.grad.detach().clone().DetachFromDisposeScope();
        return result;
    }

    private static double Scalar(Tensor t)
    {
        using var d = t.detach().to(ScalarType.Float64);
        return d.item<double>();
    }

    public void Dispose()
    {
        foreach (var t in Grads.Values) t.Dispose();
        foreach (var t in UBefore.Values) t.Dispose();
        Prediction.Dispose();
        TransformedFrame.Dispose();
    }
}

/// <summary>
/// The step in float32 (as the fixture was made) and in float64, with the fixture (the published step in float32 on
/// its maker's machine) and the published step in float64 (tests/references/fomm, made by the script there).
/// </summary>
public sealed class TrainStep : IDisposable
{
    public Dictionary<string, Tensor> Expected { get; } = FixtureData.TrainCase();
    public Dictionary<string, Tensor> Exact { get; } = FixtureData.ExactTrainStep();
    public StepResult F32 { get; }
    public StepResult F64 { get; }

    public TrainStep()
    {
        F32 = StepResult.Run(Expected, ScalarType.Float32);
        F64 = StepResult.Run(Expected, ScalarType.Float64);
    }

    public void Dispose()
    {
        F32.Dispose();
        F64.Dispose();
    }
}

/// <summary>
/// Parity of one training step with the published code. Where the step is computed exactly (float64), Vivify and the
/// published code agree to rounding (measured 1.6e-12), and that is where parity is held tightly. In float32 this step's
/// gradients are not reproducible beyond a few percent by any implementation, the published one included:
/// <list type="bullet">
/// <item>the exact (float64) gradients themselves move by up to 5.4 % in relative norm when the source image is
/// multiplied by 1 + 1e-7·noise (below float32's resolution): the loss is nearly non-smooth at this point, so float32 rounding anywhere in the step
/// lands on a visibly different gradient;</item>
/// <item>the fixture's float32 gradients lie up to 5.7e-2 from the exact ones (kp_detector.predictor.encoder.down_blocks.0.norm.weight);</item>
/// <item>the published code run in float32 on a 2-core AMD EPYC (AVX2) lies 3.8e-2 from the fixture, as Vivify does
/// there, while on a Xeon with AVX-512 Vivify's float32 matched the fixture within 1e-3: which float32 answer a
/// machine gives depends on its kernels' summation order.</item>
/// </list>
/// So float32 losses and outputs are held to the fixture at the usual tolerances, float32 gradients to the exact step
/// within that float32 reach, and the gradients' parity to the published float64 step.
/// </summary>
[Trait("Category", "Parity")]
public class TrainStepParityTests(TrainStep step) : IClassFixture<TrainStep>
{
    private const double LossRtol = 1e-4;
    private const double Atol = 1e-4;

    /// <summary>Float64 against float64: rounding (1e-16) amplified by the step's conditioning (about 1e6, above) stays far below this.</summary>
    private const double ExactRtol = 1e-8;
    private const double ExactAtol = 1e-9;

    /// <summary>Float32 gradients against the exact ones: above the published code's own float32 distance (5.7e-2, see above).</summary>
    private const double Float32GradRtol = 1e-1;

    /// <summary>
    /// A gradient that is zero in exact arithmetic (a convolution bias followed by batch or instance norm, the
    /// keypoint bias under the spatial softmax) holds only rounding, below 1e-5 of its layer's weight gradient in the
    /// fixture; both sides must be that small.
    /// </summary>
    private const double ZeroRatio = 1e-5;

    [Fact]
    public void Spectral_norm_vectors_before_the_step_are_the_checkpoint_ones()
    {
        var before = step.Expected.Where(kv => kv.Key.StartsWith("spectral_u_before.", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, before.Count);
        foreach (var (key, expected) in before)
            TensorAssert.AllCloseAbs(expected, step.F32.UBefore[key["spectral_u_before.".Length..]], 0, key);
    }

    [Theory]
    [InlineData("perceptual")]
    [InlineData("gen_gan")]
    [InlineData("feature_matching")]
    [InlineData("equivariance_value")]
    [InlineData("equivariance_jacobian")]
    [InlineData("disc_gan")]
    public void Loss_matches_the_published_step(string name) =>
        TensorAssert.CloseRel(step.Expected["losses." + name].item<float>(), step.F32.Losses[name], LossRtol, name);

    /// <summary>
    /// The prediction is held to the exact one: float32 leaves it about 1e-4 from exact on any machine (the fixture
    /// 6.2e-5, Vivify 9.3e-5 on an AMD EPYC), so two float32 runs on different CPUs may lie twice that apart.
    /// </summary>
    [Fact]
    public void Transformed_frame_and_prediction_match()
    {
        TensorAssert.AllCloseAbs(step.Expected["transformed_frame"], step.F32.TransformedFrame, Atol, "transformed_frame");
        TensorAssert.AllCloseAbs(step.Exact["prediction"], step.F32.Prediction, Atol, "prediction (against the exact step)");
    }

    /// <summary>The float64 reference is the fixture's step: its losses and outputs are the fixture's, to float32 accuracy.</summary>
    [Fact]
    public void The_float64_reference_is_the_fixtures_step()
    {
        var losses = step.Exact.Keys.Where(k => k.StartsWith("losses.", StringComparison.Ordinal)).ToList();
        Assert.Equal(step.Expected.Keys.Where(k => k.StartsWith("losses.", StringComparison.Ordinal)).ToHashSet(), losses.ToHashSet());
        foreach (var key in losses)
            TensorAssert.CloseRel(step.Expected[key].item<float>(), step.Exact[key].item<double>(), LossRtol, key + " (reference)");
        TensorAssert.AllCloseAbs(step.Expected["transformed_frame"], step.Exact["transformed_frame"], Atol, "transformed_frame (reference)");
        TensorAssert.AllCloseAbs(step.Expected["prediction"], step.Exact["prediction"], Atol, "prediction (reference)");
        Assert.Equal(Grads(step.Expected, "").Keys.ToHashSet(), Grads(step.Exact, "").Keys.ToHashSet());
    }

    [Fact]
    public void The_float64_step_equals_the_published_float64_step()
    {
        foreach (var (name, value) in step.F64.Losses)
            TensorAssert.CloseRel(step.Exact["losses." + name].item<double>(), value, ExactRtol, name + " (float64)");
        TensorAssert.AllCloseAbs(step.Exact["transformed_frame"], step.F64.TransformedFrame, ExactAtol, "transformed_frame (float64)");
        TensorAssert.AllCloseAbs(step.Exact["prediction"], step.F64.Prediction, ExactAtol, "prediction (float64)");
        foreach (var module in new[] { "kp_detector.", "generator.", "discriminator." })
            CompareGradients(module, Grads(step.Exact, module), step.F64.Grads, ExactRtol);
    }

    [Theory]
    [InlineData("kp_detector.")]
    [InlineData("generator.")]
    [InlineData("discriminator.")]
    public void Float32_gradients_are_within_float32_reach_of_the_exact_step(string module) =>
        CompareGradients(module, Grads(step.Exact, module), step.F32.Grads, Float32GradRtol);

    private static Dictionary<string, Tensor> Grads(Dictionary<string, Tensor> from, string module) =>
        from.Where(kv => kv.Key.StartsWith("grads." + module, StringComparison.Ordinal)).ToDictionary(kv => kv.Key["grads.".Length..], kv => kv.Value);

    private static void CompareGradients(string module, Dictionary<string, Tensor> expected, Dictionary<string, Tensor> actual, double rtol)
    {
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Keys.ToHashSet(), actual.Keys.Where(k => k.StartsWith(module, StringComparison.Ordinal)).ToHashSet());
        var failures = new List<string>();
        foreach (var (key, grad) in expected)
        {
            var weightKey = key.EndsWith(".bias", StringComparison.Ordinal) ? WeightOf(key, expected) : null;
            if (weightKey is not null && Norm(grad) < ZeroRatio * Norm(expected[weightKey]))
            {
                if (!(Norm(actual[key]) < ZeroRatio * Norm(actual[weightKey])))
                    failures.Add($"{key}: zero in exact arithmetic, but ‖grad‖ {Norm(actual[key]):G3} vs weight ‖grad‖ {Norm(actual[weightKey]):G3}");
                continue;
            }
            try { TensorAssert.RelativeNorm(grad, actual[key], rtol, key); }
            catch (Xunit.Sdk.XunitException ex) { failures.Add(ex.Message); }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string? WeightOf(string biasKey, Dictionary<string, Tensor> grads)
    {
        var stem = biasKey[..^"bias".Length];
        return grads.ContainsKey(stem + "weight") ? stem + "weight" : grads.ContainsKey(stem + "weight_orig") ? stem + "weight_orig" : null;
    }

    private static double Norm(Tensor t)
    {
        using var n = t.detach().to(ScalarType.Float64).norm();
        return n.item<double>();
    }
}
