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

    /// <summary>The block's 3×3 convolution weights drawn with variance <paramref name="gain"/> / (in · 9) (2: He's, for ReLU).</summary>
    private static void ConvWeightsScaled(ResBlock2d block, double gain)
    {
        using var _ = no_grad();
        foreach (var conv in new[] { block.conv1, block.conv2 })
            conv.weight!.normal_(0, Math.Sqrt(gain / (conv.in_channels * 9)));
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

    /// <summary>
    /// The generator's last up block hands the final convolution its output as the 2×2 blocks it computes (no pixel
    /// layout in between): the same as the up block, then the 7×7 convolution, within float32 rounding of the sums.
    /// </summary>
    [Theory]
    [InlineData(1, 32, 32)]
    [InlineData(2, 16, 24)]
    public void Up_block_blocks_into_the_final_convolution_equal_up_block_then_convolution(long n, long h, long w)
    {
        random.manual_seed(19);
        using var block = new UpBlock2d(12, 8, kernel_size: 3, padding: 1);
        using var final = nn.Conv2d(8, 3, 7, padding: 3);
        RandomNorm(block);
        block.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x = ChannelsLast.Of(randn(n, 12, h, w, generator: new Generator(4)));
        var expected = final.forward(block.forward(x));
        Assert.Null(block.forward_blocks(x)); // not folded yet: no blocks, the caller takes forward
        block.FoldBatchNorm();
        using var blocks = SpaceToDepthConv.From(final);
        Assert.True(blocks.TakesShiftedBlocks);
        var given = block.forward_blocks(x);
        Assert.NotNull(given);
        Assert.Equal([n, 4 * 8, h + 1, w + 1], given.shape);
        var actual = blocks.forward_blocks(given);
        Assert.Equal([n, 3, 2 * h, 2 * w], actual.shape);
        TensorAssert.AllCloseAbs(expected, actual, 1e-5, "final output from blocks");
        Assert.True(expected.abs().max().item<float>() > 0.5f, "non-trivial output");
        TensorAssert.AllCloseAbs(expected, blocks.forward(block.forward(x)), 1e-5, "final output from pixels");
    }

    /// <summary>
    /// A released (inference-only) float32 block with at least 128 channels computes both convolutions by Winograd's
    /// algorithm; an unreleased one, or a narrower one, keeps libtorch's. Same output as the published formulation.
    /// </summary>
    [Theory]
    [InlineData(128, true, true)]
    [InlineData(128, false, false)]
    [InlineData(64, true, false)]
    public void Res_block_folded_for_inference_equals_the_published_formulation(long features, bool release, bool winograd)
    {
        random.manual_seed(23);
        using var block = new ResBlock2d(features, kernel_size: 3, padding: 1);
        RandomNorm(block);
        ConvWeightsScaled(block, 2.0); // a trained layer's scale, so that errors would show
        block.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x = randn(2, features, 12, 10, generator: new Generator(4));
        var expected = block.forward(x);
        block.FoldBatchNorm(release: release);
        Assert.Equal(winograd, block.UsesWinograd);
        var actual = block.forward(ChannelsLast.Of(x));
        Assert.True(expected.abs().max().item<float>() > 2, "non-trivial output");
        TensorAssert.AllCloseAbs(expected, actual, 1e-4, "res block output");
        if (release) Assert.Equal(DeviceType.META, block.conv1.weight!.device_type);
        if (winograd) Assert.Equal(DeviceType.META, block.conv2.weight!.device_type); // its weights replaced by the transformed ones
    }

    /// <summary>
    /// vox-256's bottleneck (six 256-channel blocks in a row, at a quarter of its 64×64) with trained layers' scales: the
    /// rounding of Winograd's transforms does not build up through the twelve convolutions. The residual sums grow the
    /// values to about 30, so the bounds are relative to the largest value: within 1e-5 of it (the forward tolerance,
    /// 1e-4, is for values of magnitude 1 to 10), and within 2.5e-6 of it, the accuracy of Winograd's points (measured:
    /// 5.4e-5 on values up to 32, 1.7e-6 of them; Lavin and Gray's points ±2 instead of 1/2 and −2 gave 9.4e-5, 2.9e-6).
    /// That bound is fixed, not a multiple of libtorch's own float32 error for the same blocks, which moves with the CPU's
    /// kernels (1.5e-5 on an AVX-512 EPYC, 5.3e-5 on an AVX2 one) while Winograd's did not (the same 9.4e-5 on both).
    /// </summary>
    [Fact]
    public void Six_res_blocks_by_winograd_stay_within_forward_tolerance_of_float64()
    {
        random.manual_seed(29);
        var blocks = Enumerable.Range(0, 6).Select(_ => new ResBlock2d(256, kernel_size: 3, padding: 1)).ToList();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x = randn(1, 256, 32, 32, generator: new Generator(8));
        var expected = x.to(float64);
        var direct = x.clone();
        foreach (var block in blocks)
        {
            RandomNorm(block);
            ConvWeightsScaled(block, 1.0);
            block.eval();
            direct = block.forward(direct);
            block.to(float64);
            expected = block.forward(expected);
            block.to(float32);
            block.FoldBatchNorm(release: true);
            Assert.True(block.UsesWinograd);
        }
        var actual = blocks.Aggregate(ChannelsLast.Of(x), (h, block) => block.forward(h));
        var scale = expected.abs().max().item<double>();
        var directError = (direct.to(float64) - expected).abs().max().item<double>();
        var winogradError = (actual.to(float64) - expected).abs().max().item<double>();
        Assert.True(scale > 3, $"non-trivial output: {scale}");
        var why = $"winograd {winogradError:G3}, direct float32 {directError:G3}, on values up to {scale:G3}";
        Assert.True(winogradError <= 1e-5 * scale, why);
        Assert.True(winogradError <= 2.5e-6 * scale, why);
        foreach (var block in blocks) block.Dispose();
    }

    /// <summary>
    /// The same bottleneck in bf16, as <c>--precision bf16</c> computes it: released blocks compute both convolutions by
    /// Winograd's algorithm in bf16, unreleased ones by oneDNN's direct convolution. Through the six blocks Winograd's
    /// three roundings give 2.6× the direct path's mean error (measured: 1.33 % and 0.52 % of the float64 output's root
    /// mean square; the direct path's includes the bf16 activations' and residual sums' rounding, which both share).
    /// Bounds: 1.7 %, and more than 1.5× the direct path's (a Winograd path that computed in float32 would not be).
    /// </summary>
    [Fact]
    public void Six_res_blocks_by_winograd_in_bf16_stay_within_their_rounding_of_float64()
    {
        random.manual_seed(31);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x = ChannelsLast.Of(randn(1, 256, 32, 32, generator: new Generator(9))).to(bfloat16);
        Tensor expected = x.to(float64), winograd = x, direct = x;
        for (var i = 0; i < 6; i++)
        {
            using var block = new ResBlock2d(256, kernel_size: 3, padding: 1);
            using var twin = new ResBlock2d(256, kernel_size: 3, padding: 1);
            RandomNorm(block);
            ConvWeightsScaled(block, 1.0);
            twin.load_state_dict(block.state_dict());
            block.eval();
            twin.eval();
            block.to(float64);
            expected = block.forward(expected);
            block.to(float32);
            block.FoldBatchNorm(bfloat16, release: true);
            block.to(bfloat16);
            twin.FoldBatchNorm(bfloat16);
            twin.to(bfloat16);
            Assert.True(block.UsesWinograd);
            Assert.False(twin.UsesWinograd);
            winograd = block.forward(winograd);
            direct = twin.forward(direct);
        }
        Assert.Equal(bfloat16, winograd.dtype);
        var rms = expected.pow(2).mean().sqrt().item<double>();
        var (winogradError, directError) = (TensorAssert.MeanErrorOfRms(expected, winograd), TensorAssert.MeanErrorOfRms(expected, direct));
        var why = $"mean error {winogradError:P2} of the output's RMS {rms:G3}; oneDNN's direct bf16 convolution {directError:P2}";
        Assert.True(rms > 3, why);
        Assert.True(winogradError <= 0.017, why);
        Assert.True(winogradError > 1.5 * directError, why);
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
