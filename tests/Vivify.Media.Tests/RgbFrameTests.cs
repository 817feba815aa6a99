using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Media.Tests;

public class RgbFrameTests
{
    /// <summary>What FromTensor computed with tensor steps before it became one managed pass: clamp, ×255, round half to even, uint8.</summary>
    private static byte[] TorchBytes(Tensor image) =>
        image.to(ScalarType.Float32).clamp(0, 1).mul(255f).round().to(ScalarType.Byte).permute(1, 2, 0).contiguous().data<byte>().ToArray();

    [Fact]
    public void From_tensor_clamps_and_rounds_as_the_tensor_steps_do()
    {
        using var scope = NewDisposeScope();
        var image = rand(3, 17, 23, generator: new Generator(3)).mul_(1.4).sub_(0.2);
        // Exact halves (k + 0.5)/255 round to even, and the ends.
        var halves = new[] { 0.5f / 255, 1.5f / 255, 2.5f / 255, 127.5f / 255, 254.5f / 255, 0f, 1f, -0f, 1e-9f, 0.99999f };
        for (var i = 0; i < halves.Length; i++) image[i % 3, 0, i] = tensor(halves[i]);
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64, ScalarType.BFloat16 })
        {
            var typed = image.to(dtype);
            var frame = RgbFrame.FromTensor(typed);
            Assert.Equal((23, 17), (frame.Width, frame.Height));
            Assert.Equal(TorchBytes(typed), frame.Data);
        }
    }

    [Fact]
    public void From_tensor_reads_a_view_into_a_batch_and_gives_nan_as_zero()
    {
        using var scope = NewDisposeScope();
        var batch = rand(2, 3, 8, 8, generator: new Generator(4));
        Assert.Equal(TorchBytes(batch[1]), RgbFrame.FromTensor(batch[1]).Data);
        Assert.Equal(TorchBytes(batch[1]), RgbFrame.FromTensor(batch.narrow(0, 1, 1)).Data);
        var strided = batch[0].transpose(1, 2);
        Assert.Equal(TorchBytes(strided), RgbFrame.FromTensor(strided).Data);
        var nan = batch[0].clone();
        nan[1, 2, 3] = tensor(float.NaN);
        Assert.Equal(0, RgbFrame.FromTensor(nan).Data[(2 * 8 + 3) * 3 + 1]);
    }
}
