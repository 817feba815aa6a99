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
    public void A_weight_copy_is_channels_last_a_new_tensor_and_in_huge_pages_where_the_kernel_gives_them()
    {
        using var scope = NewDisposeScope();
        var w = randn(256, 256, 3, 3); // 2.4 MB: a vox-256 residual block's convolution
        var copy = ChannelsLast.CopyOfWeight(w);
        Assert.True(ChannelsLast.Is(copy));
        TensorAssert.Equal(w, copy, "values");
        var again = ChannelsLast.CopyOfWeight(copy); // already channels last: still a copy of its own
        again.mul_(2);
        TensorAssert.Equal(w, copy, "the source is untouched");

        var big = HugePages.Empty([16L << 20], ScalarType.Float32); // 64 MB, as a checkpoint's storage
        big.fill_(1.5f);
        Assert.Equal(1.5f * (16 << 20), big.sum().item<float>());
        var thp = File.Exists(ThpSetting) ? File.ReadAllText(ThpSetting) : "[never]";
        if (!thp.Contains("[never]", StringComparison.Ordinal))
            Assert.True(HugePagesIn(big) > 0, $"AnonHugePages of the tensor's mapping (THP: {thp.Trim()})");
    }

    private const string ThpSetting = "/sys/kernel/mm/transparent_hugepage/enabled";

    /// <summary>
    /// kB of huge pages in the mapping of /proc/self/smaps that holds <paramref name="t"/>'s first 2 MB-aligned
    /// address (the advice splits the tensor's aligned part into a mapping of its own).
    /// </summary>
    private static long HugePagesIn(Tensor t)
    {
        const ulong huge = 2 << 20;
        var address = ((ulong)Vivify.Torch.Distributed.TensorMemory.Pointer(t, "the tensor").ToInt64() + huge - 1) & ~(huge - 1);
        var inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && ulong.TryParse(line[..dash], System.Globalization.NumberStyles.HexNumber, null, out var lo) &&
                ulong.TryParse(line[(dash + 1)..space], System.Globalization.NumberStyles.HexNumber, null, out var hi))
                inside = address >= lo && address < hi;
            else if (inside && line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }
}
