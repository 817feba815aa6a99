using Vivify.TestSupport;
using Vivify.Torch.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Modules;

public class ChannelsLastTests
{
    [Fact]
    public void Channels_last_keeps_shape_and_values_and_convolutions_keep_it()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 5, 6, 7);
        Assert.False(ChannelsLast.Is(x));
        var cl = ChannelsLast.Of(x);
        Assert.True(ChannelsLast.Is(cl));
        Assert.Equal(x.shape, cl.shape);
        Assert.Equal([5 * 6 * 7, 1, 7 * 5, 5], cl.stride());
        TensorAssert.Equal(x, cl, "values");
        var again = ChannelsLast.Of(cl);
        cl.add_(1); // the same memory: no second copy
        TensorAssert.Equal(cl, again, "already channels last");

        var w = randn(4, 5, 3, 3);
        var y = nn.functional.conv2d(cl, w, padding: [1, 1]);
        Assert.True(ChannelsLast.Is(y), "oneDNN keeps the layout");
        TensorAssert.AllCloseAbs(nn.functional.conv2d(x + 1, w, padding: [1, 1]), y, 1e-5, "convolution");
        Assert.Throws<ArgumentException>(() => ChannelsLast.Of(randn(3, 4)));
    }

    [Fact]
    public void A_copy_is_channels_last_and_a_new_tensor_also_of_a_channels_last_one()
    {
        using var scope = NewDisposeScope();
        var w = randn(8, 5, 3, 3);
        var copy = ChannelsLast.CopyOf(w);
        Assert.True(ChannelsLast.Is(copy));
        TensorAssert.Equal(w, copy, "values");
        var again = ChannelsLast.CopyOf(copy);
        Assert.True(ChannelsLast.Is(again));
        again.mul_(2);
        TensorAssert.Equal(w, copy, "the source is untouched");
    }
}
