using TorchSharp;
using Vivify.Torch.Modules;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Stylize.Tests;

/// <summary>Parity with the published code on tests/fixtures/stylize (weights.pt, case.pt, reference_P.yaml).</summary>
[Trait("Category", "Parity")]
public sealed class StylizeParityTests
{
    private static StylizeConfig Config => StylizeConfig.Load(Fixtures.Path("stylize", "reference_P.yaml"));

    private static (GeneratorJ g, DiscriminatorN_IN d) LoadNetworks()
    {
        var config = Config;
        var weights = FixtureTensors.Load("stylize", "weights.pt");
        var g = new GeneratorJ(config.Generator.Args);
        var d = new DiscriminatorN_IN(config.Discriminator.Args);
        FixtureTensors.LoadInto(g, weights, "generator");
        FixtureTensors.LoadInto(d, weights, "discriminator");
        return (g, d);
    }

    [Fact]
    public void FullFrameOutputMatches()
    {
        var (g, _) = LoadNetworks();
        var c = FixtureTensors.Load("stylize", "case.pt");
        g.eval();
        using var _ = no_grad();
        using var output = g.forward(c["frame"]);
        TensorAssert.AllCloseAbs(c["full_output"], output, 1e-4, "full_output");
    }

    [Fact]
    public void FullFrameInferenceOutputMatches()
    {
        var (g, _) = LoadNetworks();
        var c = FixtureTensors.Load("stylize", "case.pt");
        using var output = FullFrame.Stylize(g, c["frame"]);
        TensorAssert.AllCloseAbs(c["full_output"], output, 1e-4, "full_output (folded inference)");
    }

    private static bool FeedsTrainModeBatchNorm(string name) =>
        name is "conv0.conv.bias" or "conv1.conv.bias" or "conv2.conv.bias" ||
        (name.StartsWith("resnets.", StringComparison.Ordinal) && name.EndsWith(".conv_0.bias", StringComparison.Ordinal));

    private static bool FeedsInstanceNorm(string name) =>
        name.StartsWith("net.conv_", StringComparison.Ordinal) && name.EndsWith(".conv.bias", StringComparison.Ordinal) && name != "net.conv_out.conv.bias";

    /// <summary>
    /// The training step in float64 against the fixture. The fixture's float32 gradients lie within 4e-6 of the exact
    /// ones (Vivify's float64 step, measured; the published code's float64 step agrees), so the exact step must meet them far inside 1e-3: 1e-4.
    /// </summary>
    [Fact]
    public void Float64_losses_and_gradients_match() => LossesAndGradientsMatch(ScalarType.Float64, gradRtol: 1e-4);

    /// <summary>
    /// The training step in float32. Which float32 gradient a machine gets depends on its kernels' summation order:
    /// the published code itself, run in float32 on a 2-core AMD EPYC (AVX2), lies 1.33e-3 from this fixture for
    /// conv0.normalization.weight (Vivify there: 1.33e-3 as well), every other gradient within 1e-3. Float32 gradients
    /// are held to 1e-2; their parity is the float64 test's.
    /// </summary>
    [Fact]
    public void Float32_losses_and_gradients_match() => LossesAndGradientsMatch(ScalarType.Float32, gradRtol: 1e-2);

    private static void LossesAndGradientsMatch(ScalarType dtype, double gradRtol)
    {
        var config = Config;
        var (g, d) = LoadNetworks();
        var c = FixtureTensors.Load("stylize", "case.pt");
        var perception = new PerceptualVGG19(FixtureTensors.FormulaVgg19(3), config.PerceptionLoss.PerceptionModel.Args.FeatureLayers,
            config.PerceptionLoss.PerceptionModel.Args.UseNormalization);
        g.to(dtype);
        d.to(dtype);
        perception.to(dtype);
        g.train();
        d.train();
        var losses = new StylizeLosses.Weights(config);
        using var pre = c["pre"].to(dtype);
        using var post = c["post"].to(dtype);

        using var generated = g.forward(pre);
        using var dLoss = StylizeLosses.Discriminator(d, generated, post);
        dLoss.backward();
        var dGrads = d.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        d.zero_grad();

        using var image = StylizeLosses.Image(generated, post);
        using var perc = StylizeLosses.Perception(perception, generated, post);
        using var adv = StylizeLosses.Adversarial(d, generated);
        using var total = losses.GeneratorTotal(image, perc, adv);
        total.backward();

        TensorAssert.CloseRel(c["losses.discriminator"].item<float>(), Value(dLoss), 1e-4, "discriminator loss");
        TensorAssert.CloseRel(c["losses.image"].item<float>(), Value(image), 1e-4, "image loss");
        TensorAssert.CloseRel(c["losses.perception"].item<float>(), Value(perc), 1e-4, "perception loss");
        TensorAssert.CloseRel(c["losses.adversarial"].item<float>(), Value(adv), 1e-4, "adversarial loss");
        TensorAssert.CloseRel(c["losses.generator_total"].item<float>(), Value(total), 1e-4, "generator_total");

        var gradCount = 0;
        var failures = new List<string>();
        foreach (var (name, p) in g.named_parameters())
        {
            var expected = c["grads.generator." + name];
            Assert.Equal(dtype, p.grad!.dtype);
            if (FeedsTrainModeBatchNorm(name))
            {
                // A bias added right before train-mode batch norm is removed by the mean subtraction: its exact
                // gradient is 0 and both sides hold rounding noise (published ‖grad‖ 8e-9…5e-7, against
                // 1e-2…4 for every other parameter), so a relative comparison is undefined. Assert it is noise on both sides.
                Assert.True(Value(expected.norm()) < 1e-6, $"published grad {name} is not ~0");
                Assert.True(Value(p.grad!.norm()) < 1e-6, $"grad {name} is not ~0: {Value(p.grad!.norm())}");
            }
            else Collect(failures, () => TensorAssert.RelativeNorm(expected, p.grad!, gradRtol, "grad generator." + name));
            gradCount++;
        }
        foreach (var (name, grad) in dGrads)
        {
            var expected = c["grads.discriminator." + name];
            if (FeedsInstanceNorm(name))
            {
                // Same as above: instance norm subtracts the per-channel mean, so this bias has gradient exactly 0.
                Assert.True(Value(expected.norm()) < 1e-6, $"published grad {name} is not ~0");
                Assert.True(Value(grad.norm()) < 1e-6, $"grad {name} is not ~0: {Value(grad.norm())}");
            }
            else Collect(failures, () => TensorAssert.RelativeNorm(expected, grad, gradRtol, "grad discriminator." + name));
            gradCount++;
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(c.Keys.Count(k => k.StartsWith("grads.", StringComparison.Ordinal)), gradCount);
    }

    private static double Value(Tensor t)
    {
        using var d = t.detach().to(ScalarType.Float64);
        return d.item<double>();
    }

    private static void Collect(List<string> failures, Action check)
    {
        try { check(); }
        catch (Xunit.Sdk.XunitException ex) { failures.Add(ex.Message); }
    }
}
