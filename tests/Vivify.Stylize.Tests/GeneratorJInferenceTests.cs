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
                if (name.EndsWith("running_mean")) b.uniform_(-0.3, 0.3);
                if (name.EndsWith("running_var")) b.uniform_(0.3, 2.0);
            }
            foreach (var (name, p) in g.named_parameters())
                if (p.dim() == 1 && !name.EndsWith("bias")) p.uniform_(0.5, 1.5); // batch-norm scales
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
    public void Bf16_inference_stays_close_to_the_bf16_forward()
    {
        using var g = Random(4, true, true, true, 2);
        g.to(ScalarType.BFloat16);
        using var scope = NewDisposeScope();
        var x = (rand(1, 3, 24, 32, generator: new Generator(4)) * 2 - 1).to(ScalarType.BFloat16);
        using var _ = no_grad();
        var expected = g.forward(x).to(ScalarType.Float32);
        using var inference = new GeneratorJInference(g);
        var actual = inference.forward(x).to(ScalarType.Float32);
        var mse = (expected - actual).pow(2).mean().item<float>();
        var psnr = 10 * Math.Log10(4.0 / mse); // outputs in [-1, 1]
        Assert.True(psnr > 40, $"PSNR {psnr:F1} dB");
    }
}
