using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.StateDicts;
using static TorchSharp.torch;

namespace Vivify.Torch.Modules;

/// <summary>
/// torchvision's vgg19 `features` (configuration "E", indices 0…36: 3×3 convolutions with ReLU, 2×2 max pooling),
/// keys `features.N.weight` / `features.N.bias` as in torchvision's vgg19-dcbb9e9d.pth. The classifier is not built.
/// </summary>
public sealed class Vgg19Features : nn.Module<Tensor, Tensor>
{
    /// <summary>Output channels per convolution, 0 for max pooling (torchvision cfgs["E"]).</summary>
    public static readonly int[] Layout = [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0];

    private readonly Sequential features;

    public Vgg19Features() : base(nameof(Vgg19Features))
    {
        // PerceptualVGG19 clones the features it keeps, so the out-of-place ReLU gives torchvision's values.
        features = nn.Sequential(TorchvisionVgg.MakeLayers(Layout).Select((layer, i) => (i.ToString(CultureInfo.InvariantCulture), layer)));
        RegisterComponents();
    }

    public int Count => (int)features.Count;

    /// <summary>The layer at torchvision index <paramref name="index"/>.</summary>
    public nn.Module<Tensor, Tensor> this[int index] => (nn.Module<Tensor, Tensor>)features[index];

    /// <summary>The convolutions in order (j = 0…15), for loading or for the deterministic test weights.</summary>
    public IEnumerable<Conv2d> Convolutions => features.children().OfType<Conv2d>();

    public override Tensor forward(Tensor x) => features.forward(x);

    /// <summary>torchvision's VGG19 `features` from its state dict file, vgg19-dcbb9e9d.pth (the classifier is ignored).</summary>
    public static Vgg19Features Load(string path)
    {
        var vgg = new Vgg19Features();
        var state = TorchvisionVgg.ReadFeatures(path, int.MaxValue, "give torchvision's vgg19-dcbb9e9d.pth")
            .Select(f => new KeyValuePair<string, Tensor>($"features.{f.Index}.{f.Name}", f.Value));
        StateDict.Load(vgg, state, strict: true, source: path);
        return vgg;
    }
}
