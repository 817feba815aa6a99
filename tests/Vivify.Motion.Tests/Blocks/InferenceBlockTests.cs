using TorchSharp;
using Vivify.Torch.Modules;
using Vivify.Motion.Blocks;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

/// <summary>Inference-only rewrites of blocks give what the published formulation gives.</summary>
public class InferenceBlockTests
{
    private static void RandomNorm(nn.Module m)
    {
        using var _ = no_grad();
        foreach (var (name, t) in m.named_buffers())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal)) t.uniform_(-0.2, 0.2);
            if (name.EndsWith("running_var", StringComparison.Ordinal)) t.uniform_(0.3, 2.0);
        }
        foreach (var (name, t) in m.named_parameters())
            if (name.Contains("norm")) t.uniform_(0.5, 1.5);
    }

    [Theory]
    [InlineData(1, 16, 16)] // 256 positions: the low-resolution path
    [InlineData(2, 12, 20)] // non-square
    [InlineData(1, 4, 4)]   // too few positions: upsample, then convolve
    public void Up_block_computed_at_the_input_resolution_equals_upsample_then_convolve(long n, long h, long w)
    {
        random.manual_seed(17);
        using var block = new UpBlock2d(12, 8, kernel_size: 3, padding: 1);
        RandomNorm(block);
        block.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x = randn(n, 12, h, w, generator: new Generator(3));
        var expected = block.forward(x);
        block.FoldBatchNorm();
        Assert.Equal(n * h * w >= UpsampledConv.MinPositions, UpsampledConv.Pays(x));
        var actual = block.forward(x);
        Assert.Equal([n, 8, 2 * h, 2 * w], actual.shape);
        TensorAssert.AllCloseAbs(expected, actual, 1e-5, "up block output");
        Assert.True(expected.abs().max().item<float>() > 0.5f, "non-trivial output");
        var channelsLast = block.forward(ChannelsLast.Of(x)); // the layout of inference
        Assert.True(ChannelsLast.Is(channelsLast), "the output stays channels last");
        TensorAssert.AllCloseAbs(expected, channelsLast, 1e-5, "up block output, channels last");
    }

    [Fact]
    public void Upsampled_conv_exists_only_for_3x3_convolutions_with_padding_1()
    {
        using var conv = nn.Conv2d(4, 4, 5, padding: 2);
        using var norm = nn.BatchNorm2d(4);
        using var folded5 = FoldedConv.From(conv, norm, padding: 2, groups: 1);
        Assert.False(UpsampledConv.Fits(folded5));
        Assert.Throws<ArgumentException>(() => UpsampledConv.From(folded5));
        using var conv3 = nn.Conv2d(4, 4, 3, padding: 1);
        using var folded3 = FoldedConv.From(conv3, norm, padding: 1, groups: 1);
        Assert.True(UpsampledConv.Fits(folded3));
        using var up = UpsampledConv.From(folded3);
    }

    [Fact]
    public void Fresh_steps_work_in_place_only_when_no_gradient_is_recorded()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 4, 4, generator: new Generator(5));
        var other = randn(2, 3, 4, 4, generator: new Generator(6));
        foreach (var (name, step, expected) in new (string, Func<Tensor, Tensor>, Func<Tensor, Tensor>)[]
                 {
                     ("relu", Fresh.Relu, t => nn.functional.relu(t)),
                     ("sigmoid", Fresh.Sigmoid, t => sigmoid(t)),
                     ("add", t => Fresh.Add(t, other), t => t + other),
                 })
        {
            var recorded = x.clone().requires_grad_(true);
            var r = step(recorded);
            TensorAssert.Equal(expected(x), r, name);
            TensorAssert.Equal(x, recorded.detach(), name + ": input kept while recording gradients");
            using (no_grad())
            {
                var fresh = x.clone();
                var f = step(fresh);
                TensorAssert.Equal(expected(x), f, name + " in inference");
                TensorAssert.Equal(f, fresh, name + ": computed in place in inference");
            }
        }
    }
}
