using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests;

/// <summary>TorchSharp's native layer loads (on Debian 12 only with build/native-fix applied) and computes.</summary>
public class NativeLoadTests
{
    [Fact]
    public void TorchInitialisesAndRunsConvolutionAndGridSample()
    {
        using var scope = NewDisposeScope();
        Assert.StartsWith("2.10", __version__);
        var x = ones(1, 2, 5, 5);
        var w = ones(3, 2, 3, 3);
        var y = nn.functional.conv2d(x, w, padding: new long[] { 1, 1 });
        Assert.Equal(new long[] { 1, 3, 5, 5 }, y.shape);
        Assert.Equal(18f, y[0, 0, 2, 2].item<float>());
        var grid = zeros(1, 1, 1, 2);
        var s = nn.functional.grid_sample(arange(25f).reshape(1, 1, 5, 5), grid, align_corners: true);
        Assert.Equal(12f, s.item<float>());
        var b = nn.functional.conv2d(x.to(bfloat16), w.to(bfloat16), padding: new long[] { 1, 1 });
        Assert.Equal(18f, b[0, 0, 2, 2].to(float32).item<float>());
    }
}
