using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.TestSupport;

/// <summary>
/// The deterministic "formula VGG19" weights of the fixtures (tests/fixtures/fomm/README.md), for any network built
/// from torchvision's VGG19 features: the j-th convolution has weight.flatten()[n] = sqrt(2/fan_in)·sin(12.9898·n + 78.233·j)
/// and bias[n] = 0.01·cos(n + j), computed in float64 and rounded to float32.
/// </summary>
public static class FormulaVgg19
{
    /// <summary>Fills the first <paramref name="count"/> of <paramref name="convolutions"/> (in torchvision order) with the formula's weights.</summary>
    public static void Fill(IEnumerable<Conv2d> convolutions, int count = int.MaxValue)
    {
        using var _ = no_grad();
        var j = 0;
        foreach (var conv in convolutions.Take(count))
        {
            var w = conv.weight!;
            var scale = Math.Sqrt(2.0 / (w.shape[1] * w.shape[2] * w.shape[3]));
            var weights = new float[w.numel()];
            for (var n = 0; n < weights.Length; n++) weights[n] = (float)(scale * Math.Sin(12.9898 * n + 78.233 * j));
            var biases = new float[conv.bias!.numel()];
            for (var n = 0; n < biases.Length; n++) biases[n] = (float)(0.01 * Math.Cos(n + j));
            using (var t = tensor(weights).view(w.shape)) w.copy_(t);
            using (var t = tensor(biases)) conv.bias!.copy_(t);
            j++;
        }
    }
}
