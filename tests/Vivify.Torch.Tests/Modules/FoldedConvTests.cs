using TorchSharp;
using Vivify.TestSupport;
using Vivify.Torch.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Modules;

public class FoldedConvTests
{
    [Fact]
    public void A_released_channels_last_weight_is_folded_in_place_with_the_values_of_a_copy()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        using var conv = nn.Conv2d(6, 5, 3, padding: 1);
        using var norm = nn.BatchNorm2d(5);
        using (no_grad())
        {
            norm.running_var!.uniform_(0.5, 2);
            norm.running_mean!.uniform_(-0.3, 0.3);
            norm.weight!.uniform_(0.5, 1.5);
            norm.bias!.uniform_(-0.2, 0.2);
        }
        var original = conv.weight!.detach().clone();
        using var copied = FoldedConv.From(conv, norm, padding: 1, groups: 1, release: true); // contiguous: copied
        TensorAssert.Equal(original, conv.weight!.detach(), "a contiguous weight is left as it was");

        conv.weight = new TorchSharp.Modules.Parameter(ChannelsLast.Of(original), requires_grad: false); // as a channels-last read gives it
        using var kept = FoldedConv.From(conv, norm, padding: 1, groups: 1); // without release: a copy, the weight untouched
        TensorAssert.Equal(original, conv.weight.detach(), "a weight the convolution keeps is not scaled");
        using var inPlace = FoldedConv.From(conv, norm, padding: 1, groups: 1, release: true);
        TensorAssert.Equal(inPlace.weight, conv.weight.detach(), "the released weight's own memory holds the fold");
        Assert.True(ChannelsLast.Is(inPlace.weight));
        TensorAssert.Equal(copied.weight, inPlace.weight, "folded weight");
        TensorAssert.Equal(kept.weight, inPlace.weight, "folded weight");
        TensorAssert.Equal(copied.bias, inPlace.bias, "folded bias");
        var x = ChannelsLast.Of(randn(1, 6, 7, 7));
        TensorAssert.Equal(copied.forward(x), inPlace.forward(x), "folded convolution");
    }
}
