using static TorchSharp.torch;

namespace Vivify.Stylize.Tests;

/// <summary>
/// The deterministic "formula VGG19" of the fixtures (tests/fixtures/fomm/README.md): the j-th convolution has
/// weight.flatten()[n] = sqrt(2/fan_in)·sin(12.9898·n + 78.233·j), bias[n] = 0.01·cos(n + j), computed in float64.
/// </summary>
internal static class FormulaVgg19
{
    public static Vgg19Features Create(int convolutions = 16)
    {
        var vgg = new Vgg19Features();
        using var _ = no_grad();
        var j = 0;
        foreach (var conv in vgg.Convolutions)
        {
            if (j >= convolutions) break;
            var w = conv.weight!;
            var fanIn = w.shape[1] * w.shape[2] * w.shape[3];
            using var n = arange(w.numel(), dtype: float64);
            using var wv = (n * 12.9898 + 78.233 * j).sin() * Math.Sqrt(2.0 / fanIn);
            w.copy_(wv.reshape(w.shape).to(float32));
            using var nb = arange(conv.bias!.numel(), dtype: float64);
            using var bv = (nb + j).cos() * 0.01;
            conv.bias!.copy_(bv.to(float32));
            j++;
        }
        return vgg;
    }
}
