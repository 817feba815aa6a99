using Xunit;
using static TorchSharp.torch;

namespace Vivify.Faces.Tests;

public class TfOpsTests
{
    [Theory]
    [InlineData(112, 3, 2, 0, 1)]   // stride 2 on an even size: all padding after (PyTorch's padding=1 would differ)
    [InlineData(7, 3, 2, 1, 1)]
    [InlineData(56, 3, 1, 1, 1)]
    [InlineData(5, 1, 1, 0, 0)]
    [InlineData(150, 7, 2, 2, 3)]
    public void SamePaddingSplitsAsTensorFlow(long size, long kernel, long stride, long before, long after) =>
        Assert.Equal((before, after), TfSamePadding.Of(size, kernel, stride));

    [Fact]
    public void ResizeBilinearIsTensorFlowsLegacyResize()
    {
        // 1 channel, 2x2 → 4x4: source index r * 2 / 4 = 0, 0.5, 1, 1.5 (clamped neighbour at the edge).
        using var x = tensor(new float[] { 0, 10, 20, 30 }, [1, 2, 2]);
        using var y = TfImage.ResizeBilinear(x, 4, 4);
        var expected = new float[]
        {
            0, 5, 10, 10,
            10, 15, 20, 20,
            20, 25, 30, 30,
            20, 25, 30, 30,
        };
        Assert.Equal(expected, y.data<float>().ToArray());
    }

    [Fact]
    public void PadToSquareCentredPutsTheRoundedHalfAfter()
    {
        using var x = ones(3, 2, 5);   // height 2, width 5: diff 3, round(1.5) = 2 rows after, 1 before
        using var y = TfImage.PadToSquare(x, centred: true, out var before);
        Assert.Equal([3L, 5L, 5L], y.shape);
        Assert.Equal((0L, 1L), before);
        Assert.Equal(new float[] { 0, 1, 1, 0, 0 }, y[0, TensorIndex.Colon, 0].data<float>().ToArray());
        using var z = TfImage.PadToSquare(x, centred: false, out before);
        Assert.Equal(new float[] { 1, 1, 0, 0, 0 }, z[0, TensorIndex.Colon, 0].data<float>().ToArray());
    }

    [Fact]
    public void SeparableConvLoadsTensorFlowLayouts()
    {
        // A 1x1-kernel separable conv: depthwise scales channel c by d[c], pointwise mixes with p[c, o]; tfjs layouts.
        var depthwise = new TfjsWeight("s/depthwise_filter", [1, 1, 2, 1], "float32", [2f, 3f], null);
        var pointwise = new TfjsWeight("s/pointwise_filter", [1, 1, 2, 3], "float32", [1f, 0f, 1f, 0f, 1f, 1f], null);
        using var conv = new TfSeparableConv2d(2, 3, kernel: 1);
        using (no_grad())
        {
            using var d = TfjsLoader.ToTorchLayout(depthwise.Name, depthwise);
            using var p = TfjsLoader.ToTorchLayout(pointwise.Name, pointwise);
            conv.depthwise_filter.copy_(d);
            conv.pointwise_filter.copy_(p);
            conv.bias.copy_(tensor(new[] { 0f, 0f, 0.5f }));
        }
        using var x = tensor(new float[] { 1f, 10f }, [1, 2, 1, 1]);
        using var y = conv.forward(x);
        // channels after depthwise: [2, 30]; out o = sum_c dw[c] * p[c, o]: [2, 30, 32] + bias.
        Assert.Equal(new[] { 2f, 30f, 32.5f }, y.data<float>().ToArray());
    }
}
