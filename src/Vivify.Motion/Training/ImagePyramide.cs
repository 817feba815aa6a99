using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using Vivify.Motion.Blocks;
using static TorchSharp.torch;

namespace Vivify.Motion.Training;

/// <summary>
/// ImagePyramide of the published model.py (Sec. 3.3): the image at every scale, band-limited by
/// <see cref="AntiAliasInterpolation2d"/>; output keys "prediction_1", "prediction_0.5", ….
/// </summary>
public sealed class ImagePyramide : nn.Module<Tensor, Dictionary<string, Tensor>>
{
    internal readonly ModuleDict<AntiAliasInterpolation2d> downs;

    public ImagePyramide(IEnumerable<double> scales, long num_channels) : base(nameof(ImagePyramide))
    {
        downs = new ModuleDict<AntiAliasInterpolation2d>();
        foreach (var scale in scales) downs.Add((Name(scale).Replace('.', '-'), new AntiAliasInterpolation2d(num_channels, scale)));
        RegisterComponents();
    }

    /// <summary>A scale as the published code names it (Python's str of the YAML number: 1, 0.5, 0.25).</summary>
    public static string Name(double scale) => scale.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A scale written in the YAML (as the discriminator keeps it) in the form <see cref="Name(double)"/> gives.</summary>
    public static string Name(string scale) =>
        double.TryParse(scale, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? Name(v) : scale;

    public override Dictionary<string, Tensor> forward(Tensor x)
    {
        var out_dict = new Dictionary<string, Tensor>();
        foreach (var (scale, down_module) in downs)
            out_dict["prediction_" + scale.Replace('-', '.')] = down_module.forward(x);
        return out_dict;
    }
}
