using TorchSharp;
using Vivify.TestSupport;
using Vivify.Torch.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Modules;

public class FoldedConvTests
{
    /// <summary>Running statistics and affine parameters away from the identity, so that a fold changes the weights.</summary>
    private static void RandomStatistics(TorchSharp.Modules.BatchNorm2d norm)
    {
        using var _ = no_grad();
        norm.running_var!.uniform_(0.5, 2);
        norm.running_mean!.uniform_(-0.3, 0.3);
        norm.weight!.uniform_(0.5, 1.5);
        norm.bias!.uniform_(-0.2, 0.2);
    }

    /// <summary>A convolution holding <paramref name="weight"/> and the same batch norm each time.</summary>
    private static (TorchSharp.Modules.Conv2d conv, TorchSharp.Modules.BatchNorm2d norm) Block(Tensor weight)
    {
        random.manual_seed(3);
        var conv = nn.Conv2d(6, 5, 3, padding: 1);
        var norm = nn.BatchNorm2d(5);
        RandomStatistics(norm);
        conv.weight = new TorchSharp.Modules.Parameter(weight.clone(), requires_grad: false);
        return (conv, norm);
    }

    [Fact]
    public void A_released_channels_last_weight_is_folded_in_place_with_the_values_of_a_copy()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        var original = randn(5, 6, 3, 3);

        var (conv1, norm1) = Block(original);
        var held1 = conv1.weight!.detach(); // the weight's memory, kept past the release
        using var copied = FoldedConv.From(conv1, norm1, padding: 1, groups: 1, release: true); // contiguous: copied
        TensorAssert.Equal(original, held1, "a contiguous weight is left as it was");
        Assert.Equal(DeviceType.META, conv1.weight!.device_type); // released by the fold
        Assert.Equal(DeviceType.META, norm1.running_var!.device_type);

        var (conv2, norm2) = Block(ChannelsLast.Of(original)); // as a channels-last read gives it
        using var kept = FoldedConv.From(conv2, norm2, padding: 1, groups: 1); // without release: a copy, the weight untouched
        TensorAssert.Equal(original, conv2.weight!.detach(), "a weight the convolution keeps is not scaled");

        var (conv3, norm3) = Block(ChannelsLast.Of(original));
        var held3 = conv3.weight!.detach();
        using var inPlace = FoldedConv.From(conv3, norm3, padding: 1, groups: 1, release: true);
        TensorAssert.Equal(inPlace.weight, held3, "the released weight's own memory holds the fold");
        Assert.True(ChannelsLast.Is(inPlace.weight));
        TensorAssert.Equal(copied.weight, inPlace.weight, "folded weight");
        TensorAssert.Equal(kept.weight, inPlace.weight, "folded weight");
        TensorAssert.Equal(copied.bias, inPlace.bias, "folded bias");
        var x = ChannelsLast.Of(randn(1, 6, 7, 7));
        TensorAssert.Equal(copied.forward(x), inPlace.forward(x), "folded convolution");
        foreach (var m in new nn.Module[] { conv1, norm1, conv2, norm2, conv3, norm3 }) m.Dispose();
    }

    /// <summary>
    /// A folded convolution of at least 1024 input channels computes small inputs as their 3×3 patches times its weight
    /// read as a matrix, larger ones by libtorch's convolution; both equal the convolution followed by the batch norm.
    /// </summary>
    [Theory]
    [InlineData(1, 4, 4, true)]    // 16 positions: patches times the matrix
    [InlineData(2, 8, 8, true)]    // 128 positions: still
    [InlineData(2, 12, 12, false)] // 288 positions: the convolution
    [InlineData(1, 3, 5, true)]    // not square
    public void A_wide_convolution_computes_small_inputs_as_one_matrix_product(long n, long h, long w, bool byPatches)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(9);
        using var conv = nn.Conv2d(FoldedConv.PatchesMinInputs, 8, 3, padding: 1);
        using var norm = nn.BatchNorm2d(8);
        RandomStatistics(norm);
        using (no_grad()) conv.weight!.normal_(0, Math.Sqrt(2.0 / (FoldedConv.PatchesMinInputs * 9)));
        conv.eval();
        norm.eval();
        var x = randn(n, FoldedConv.PatchesMinInputs, h, w, generator: new Generator(2));
        Tensor expected;
        using (no_grad()) expected = norm.forward(conv.forward(x)); // libtorch's convolution, then the norm
        using var folded = FoldedConv.From(conv, norm, padding: 1, groups: 1);
        Assert.Equal(byPatches, folded.ByPatches(x));
        using var _ = no_grad();
        foreach (var input in new[] { x, ChannelsLast.Of(x) })
        {
            var actual = folded.forward(input);
            Assert.Equal([n, 8, h, w], actual.shape);
            Assert.True(ChannelsLast.Is(actual), "channels last, as the convolution's output");
            Assert.True(expected.abs().max().item<float>() > 1, "non-trivial output");
            TensorAssert.AllCloseAbs(expected, actual, 1e-4, "folded wide convolution");
        }
        // In bf16 on the CPU the weight is laid out once for oneDNN (PrepackedWeight), and the convolution is the faster.
        using (var folded16 = FoldedConv.From(conv, norm, padding: 1, groups: 1, dtype: ScalarType.BFloat16))
        using (no_grad())
        {
            var x16 = ChannelsLast.Of(x.to(ScalarType.BFloat16));
            Assert.Equal(!OneDnnOps.Available && byPatches, folded16.ByPatches(x16));
            var expected16 = nn.functional.conv2d(x16, folded16.weight, folded16.bias, padding: [1, 1]);
            Assert.True(expected16.equal(folded16.forward(x16)).all().item<bool>(), "bf16: libtorch's convolution, bit for bit");
        }
        using var narrow = nn.Conv2d(512, 8, 3, padding: 1);
        using var narrowFolded = FoldedConv.From(narrow, norm, padding: 1, groups: 1);
        Assert.False(narrowFolded.ByPatches(randn(1, 512, 4, 4)), "narrower: libtorch's convolution");
    }
}
