using Vivify.Motion.Training;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

/// <summary>
/// The "formula VGG19" of fomm/train-case.pt (fixtures README): the j-th convolution of torchvision's features has
/// weight.flatten()[n] = sqrt(2 / fan_in)·sin(12.9898·n + 78.233·j) and bias[n] = 0.01·cos(n + j), computed in
/// float64 and rounded to float32.
/// </summary>
internal static class FormulaVgg19
{
    public static Vgg19 Create()
    {
        var vgg = new Vgg19();
        using var _ = no_grad();
        var j = 0;
        foreach (var (_, conv) in vgg.Convolutions)
        {
            var w = conv.weight!;
            var fanIn = w.shape[1] * w.shape[2] * w.shape[3];
            var scale = Math.Sqrt(2.0 / fanIn);
            var weights = new float[w.numel()];
            for (var n = 0; n < weights.Length; n++) weights[n] = (float)(scale * Math.Sin(12.9898 * n + 78.233 * j));
            var biases = new float[conv.bias!.numel()];
            for (var n = 0; n < biases.Length; n++) biases[n] = (float)(0.01 * Math.Cos(n + j));
            using (var t = tensor(weights).view(w.shape)) w.copy_(t);
            using (var t = tensor(biases)) conv.bias!.copy_(t);
            j++;
        }
        return vgg;
    }
}
