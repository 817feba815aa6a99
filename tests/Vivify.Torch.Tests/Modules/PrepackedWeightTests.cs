using TorchSharp;
using Vivify.Torch.Modules;
using Xunit;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Torch.Tests.Modules;

public class PrepackedWeightTests
{
    private static Tensor Bf16(Tensor t) => t.to(ScalarType.BFloat16);

    private static bool Same(Tensor expected, Tensor actual) =>
        expected.dtype == actual.dtype && expected.shape.SequenceEqual(actual.shape) && expected.equal(actual).all().item<bool>();

    /// <summary>
    /// The ops load and pass their own check with the libtorch this repository pins: if an upgrade loses them, this fails
    /// rather than bf16 inference quietly laying out every weight at every call again.
    /// </summary>
    [Fact]
    public void The_oneDNN_ops_are_available_with_the_pinned_libtorch()
    {
        Assert.True(OneDnnOps.Available, $"oneDNN ops unavailable: {OneDnnOps.Unavailable}");
        Assert.Null(OneDnnOps.Unavailable);
    }

    /// <summary>
    /// A bf16 convolution with the weight laid out once gives libtorch's convolution bit for bit (the same oneDNN
    /// convolution computes both): for the kernels, paddings and strides the models use, with and without bias, from
    /// inputs of either layout, and for inputs of other shapes than the one the weight was laid out for.
    /// </summary>
    [Theory]
    [InlineData(32, 48, 3, 1, 1, true)]   // a residual block's convolution
    [InlineData(16, 64, 2, 1, 1, true)]   // UpsampledConv's four phases
    [InlineData(12, 8, 7, 3, 1, true)]    // a keypoint head
    [InlineData(24, 16, 3, 1, 2, false)]  // strided, no bias
    [InlineData(20, 4, 4, 1, 1, true)]    // SpaceToDepthConv's taps, few outputs
    public void Equals_libtorchs_convolution_in_bf16(int inputs, int outputs, int kernel, int padding, int stride, bool withBias)
    {
        using var scope = NewDisposeScope();
        using var gen = new Generator(21);
        var weight = ChannelsLast.Of(Bf16(randn(outputs, inputs, kernel, kernel, generator: gen).mul_(S(0.1))));
        var bias = withBias ? Bf16(randn(outputs, generator: gen)) : null;
        using var packed = new PrepackedWeight(weight, padding, stride);
        using var _ = no_grad();
        var first = ChannelsLast.Of(Bf16(randn(2, inputs, 17, 13, generator: gen)));
        foreach (var x in new[] { first, Bf16(randn(2, inputs, 17, 13, generator: gen)), ChannelsLast.Of(Bf16(randn(1, inputs, 9, 24, generator: gen))), Bf16(randn(3, inputs, 5, 5, generator: gen)) })
        {
            var expected = nn.functional.conv2d(x, weight, bias, strides: [stride, stride], padding: [padding, padding]);
            var actual = packed.conv2d(x, bias);
            Assert.True(packed.IsPacked, "bf16 on the CPU: laid out once");
            Assert.True(Same(expected, actual), $"[{string.Join(", ", x.shape)}]: max difference {(expected.to(ScalarType.Float32) - actual.to(ScalarType.Float32)).abs().max().item<float>()}");
            Assert.True(ChannelsLast.Is(actual) || actual.shape[2] * actual.shape[3] == 1, "channels last");
        }
    }

    /// <summary>
    /// Threads share the one TorchScript module (a live session and a stylize preview may run at once): convolutions
    /// from two threads at a time, each with its own weights and inputs, give libtorch's results every time.
    /// </summary>
    [Fact]
    public void Threads_share_the_ops()
    {
        var failures = 0;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            try { Convolve(t); }
            catch (Exception e) { errors.Enqueue(e); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(errors);
        Assert.Equal(0, failures);

        void Convolve(int t)
        {
            using var scope = NewDisposeScope();
            using var gen = new Generator(30 + (ulong)t);
            var weight = ChannelsLast.Of(Bf16(randn(16 + 8 * t, 12, 3, 3, generator: gen).mul_(S(0.1))));
            var bias = Bf16(randn(16 + 8 * t, generator: gen));
            using var packed = new PrepackedWeight(weight, 1);
            using var _ = no_grad();
            for (var i = 0; i < 40; i++)
            {
                using var step = NewDisposeScope();
                var x = ChannelsLast.Of(Bf16(randn(1, 12, 20, 20, generator: gen)));
                if (!Same(nn.functional.conv2d(x, weight, bias, padding: [1, 1]), packed.conv2d(x, bias))) Interlocked.Increment(ref failures);
            }
        }
    }

    /// <summary>Where the ops do not serve (float32, or a gradient to record), libtorch's convolution computes, with its gradient.</summary>
    [Fact]
    public void Float32_and_gradients_keep_libtorchs_convolution()
    {
        using var scope = NewDisposeScope();
        using var gen = new Generator(22);
        var weight = randn(8, 6, 3, 3, generator: gen);
        var bias = randn(8, generator: gen);
        using (var packed = new PrepackedWeight(weight, 1))
        {
            var x = randn(1, 6, 10, 10, generator: gen);
            Tensor actual;
            using (no_grad()) actual = packed.conv2d(x, bias);
            Assert.False(packed.IsPacked, "float32: not laid out");
            Assert.True(Same(nn.functional.conv2d(x, weight, bias, padding: [1, 1]), actual));
        }
        var w16 = Bf16(weight).requires_grad_();
        using var packed16 = new PrepackedWeight(w16, 1);
        var y = packed16.conv2d(Bf16(randn(1, 6, 10, 10, generator: gen)), null);
        Assert.False(packed16.IsPacked, "a gradient to record: not laid out");
        y.to(ScalarType.Float32).sum().backward();
        Assert.NotNull(w16.grad);
    }

    /// <summary>The outputs belong to the caller's dispose scope, as libtorch's are, and a disposed weight falls back to libtorch's convolution.</summary>
    [Fact]
    public void Outputs_are_scoped_and_disposal_falls_back()
    {
        using var gen = new Generator(23);
        using var weight = ChannelsLast.Of(Bf16(randn(8, 8, 3, 3, generator: gen)));
        using var x = Bf16(randn(1, 8, 6, 6, generator: gen));
        var packed = new PrepackedWeight(weight, 1);
        using var _ = no_grad();
        Tensor inner;
        using (NewDisposeScope())
        {
            inner = packed.conv2d(x, null);
            Assert.True(packed.IsPacked);
        }
        Assert.True(inner.IsInvalid, "disposed with its scope");
        packed.Dispose();
        Assert.False(packed.IsPacked);
        using var after = packed.conv2d(x, null);
        using var expected = nn.functional.conv2d(x, weight, null, padding: [1, 1]);
        Assert.True(Same(expected, after));
        Assert.False(packed.IsPacked, "disposed: not laid out again");
    }
}
