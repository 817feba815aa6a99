using TorchSharp;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Stylize.Tests;

/// <summary>The folded, upsample-free inference of GeneratorJ gives what its eval-mode forward gives.</summary>
public class GeneratorJInferenceTests
{
    private static GeneratorJ Random(int seed, bool smoothers, bool tanh, bool bias, int blocks)
    {
        random.manual_seed(seed);
        var g = new GeneratorJ(use_bias: bias, resnet_blocks: blocks, tanh: tanh, filters: [8, 12, 16, 16, 16, 8], append_smoothers: smoothers);
        using (no_grad())
        {
            foreach (var (name, b) in g.named_buffers())
            {
                if (name.EndsWith("running_mean", StringComparison.Ordinal)) b.uniform_(-0.3, 0.3);
                if (name.EndsWith("running_var", StringComparison.Ordinal)) b.uniform_(0.3, 2.0);
            }
            foreach (var (name, p) in g.named_parameters())
                if (p.dim() == 1 && !name.EndsWith("bias", StringComparison.Ordinal)) p.uniform_(0.5, 1.5); // batch-norm scales
        }
        g.eval();
        return g;
    }

    [Theory]
    [InlineData(1, true, true, true, 2)]
    [InlineData(2, false, false, false, 1)]
    [InlineData(3, true, false, true, 0)]
    public void Inference_equals_the_eval_forward(int seed, bool smoothers, bool tanh, bool bias, int blocks)
    {
        using var g = Random(seed, smoothers, tanh, bias, blocks);
        using var scope = NewDisposeScope();
        var x = rand(2, 3, 24, 32, generator: new Generator((ulong)seed)) * 2 - 1;
        using var _ = no_grad();
        var expected = g.forward(x);
        using var inference = new GeneratorJInference(g);
        var actual = inference.forward(x);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.std().item<float>() > 0.05f, "non-trivial output");
        TensorAssert.AllCloseAbs(expected, actual, 2e-5, "output");
        TensorAssert.Equal(expected, g.forward(x), "the generator itself is unchanged");
    }

    [Fact]
    public void A_bf16_generator_computed_in_float32_gives_its_float32_copy_output_in_bf16()
    {
        using var g = Random(5, true, true, true, 2);
        g.to(ScalarType.BFloat16);
        using var scope = NewDisposeScope();
        var x = (rand(1, 3, 24, 32, generator: new Generator(5)) * 2 - 1).to(ScalarType.BFloat16);
        using var _ = no_grad();
        using var inference = new GeneratorJInference(g, nativeBf16: false);
        var actual = inference.forward(x);
        Assert.Equal(ScalarType.BFloat16, actual.dtype);
        using var f32 = g.CopyAs(ScalarType.Float32);
        Assert.Equal(ScalarType.Float32, f32.conv_12.parameters().First().dtype);
        var expected = f32.forward(x.to(ScalarType.Float32));
        Assert.True(expected.std().item<float>() > 0.05f, "non-trivial output");
        // The float32 computation (2e-5 from the forward, as above), rounded once to bf16: at most one bf16 step (2^-8 below 1) apart.
        TensorAssert.AllCloseAbs(expected.to(ScalarType.BFloat16).to(ScalarType.Float32), actual.to(ScalarType.Float32), 1.0 / 256, "output");
    }

    [Fact]
    public void Bf16_inference_stays_close_to_the_bf16_forward()
    {
        using var g = Random(4, true, true, true, 2);
        g.to(ScalarType.BFloat16);
        using var scope = NewDisposeScope();
        var x = (rand(1, 3, 24, 32, generator: new Generator(4)) * 2 - 1).to(ScalarType.BFloat16);
        using var _ = no_grad();
        var expected = g.forward(x).to(ScalarType.Float32);
        using var inference = new GeneratorJInference(g, nativeBf16: true); // bf16 arithmetic whatever this CPU's speed at it
        var actual = inference.forward(x).to(ScalarType.Float32);
        var mse = (expected - actual).pow(2).mean().item<float>();
        var psnr = 10 * Math.Log10(4.0 / mse); // outputs in [-1, 1]
        Assert.True(psnr > 40, $"PSNR {psnr:F1} dB");
    }
}
