using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.StateDicts;
using Vivify.Torch.Modules;
using static TorchSharp.torch;

namespace Vivify.Motion.Training;

/// <summary>
/// Vgg19 of the published model.py (perceptual loss, Sec. 3.3): torchvision's VGG19 <c>features</c> 0…29 split in
/// slices [0,2), [2,7), [7,12), [12,21), [21,30) (outputs at relu1_1 … relu5_1), inputs normalised with ImageNet
/// mean/std. Keys <c>mean</c>, <c>std</c>, <c>slice1.0.weight</c>, … as published. Its parameters never train.
/// </summary>
public sealed class Vgg19 : nn.Module<Tensor, List<Tensor>>
{
    /// <summary>Output channels per convolution of features 0…29, 0 for max pooling (torchvision cfgs["E"], up to relu5_1).</summary>
    private static readonly int[] Layout = [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512];

    /// <summary>First features index of each slice, and one past the last.</summary>
    private static readonly int[] Bounds = [0, 2, 7, 12, 21, 30];

    internal readonly Sequential slice1, slice2, slice3, slice4, slice5;
    internal readonly Parameter mean;
    internal readonly Parameter std;

    public Vgg19() : base(nameof(Vgg19))
    {
        // Every slice output is a fresh tensor, so the out-of-place ReLU gives torchvision's values.
        var layers = TorchvisionVgg.MakeLayers(Layout).Select((layer, i) => (Index: i, Layer: layer)).ToList();
        Sequential Slice(int s) => nn.Sequential(layers.Where(l => l.Index >= Bounds[s] && l.Index < Bounds[s + 1])
            .Select(l => (l.Index.ToString(CultureInfo.InvariantCulture), l.Layer)));
        slice1 = Slice(0);
        slice2 = Slice(1);
        slice3 = Slice(2);
        slice4 = Slice(3);
        slice5 = Slice(4);
        mean = nn.Parameter(tensor(new float[] { 0.485f, 0.456f, 0.406f }).reshape(1, 3, 1, 1), requires_grad: false);
        std = nn.Parameter(tensor(new float[] { 0.229f, 0.224f, 0.225f }).reshape(1, 3, 1, 1), requires_grad: false);
        RegisterComponents();
        foreach (var p in parameters()) p.requires_grad = false;
    }

    /// <summary>The convolutions in features order (j = 0…12 up to relu5_1) with their torchvision index.</summary>
    public IEnumerable<(int Index, Conv2d Conv)> Convolutions =>
        new[] { slice1, slice2, slice3, slice4, slice5 }
            .SelectMany(s => s.named_children())
            .Where(c => c.module is Conv2d)
            .Select(c => (int.Parse(c.name, CultureInfo.InvariantCulture), (Conv2d)c.module));

    /// <summary>[h_relu1, …, h_relu5].</summary>
    public override List<Tensor> forward(Tensor X) => forward(X, 5);

    /// <summary>
    /// [h_relu1, …, h_relu<paramref name="slices"/>]: the first slices only (each slice runs on the previous one's
    /// output, so the deeper ones can be left out when their loss weights are 0 without changing the others).
    /// </summary>
    public List<Tensor> forward(Tensor X, int slices)
    {
        if (slices is < 1 or > 5) throw new ArgumentOutOfRangeException(nameof(slices), "VGG19 has slices 1 to 5");
        using var scope = NewDisposeScope();
        var h = (X - mean) / std;
        var @out = new List<Tensor>();
        foreach (var slice in new[] { slice1, slice2, slice3, slice4, slice5 }.Take(slices))
        {
            h = slice.forward(h);
            @out.Add(h);
        }
        foreach (var t in @out) t.MoveToOuterDisposeScope();
        return @out;
    }

    /// <summary>
    /// An untrained VGG19 as torchvision builds one (<c>models.vgg19(weights=None)</c>: kaiming-normal convolutions,
    /// zero biases), drawn from the current torch seed: the perceptual network of <c>--no-pretrained-vgg</c>.
    /// </summary>
    public static Vgg19 Untrained()
    {
        var vgg = new Vgg19();
        TorchvisionVgg.InitializeAsTorchvision(vgg.Convolutions.Select(c => (nn.Module)c.Conv));
        return vgg;
    }

    /// <summary>
    /// The pretrained network from torchvision's VGG19 state dict file (vgg19-dcbb9e9d.pth, zip or legacy format):
    /// <c>features.N.*</c> for N &lt; 30 go to the slice holding N; the rest (classifier, deeper layers) is ignored.
    /// </summary>
    public static Vgg19 Load(string path)
    {
        var features = TorchvisionVgg.ReadFeatures(path, Bounds[^1], "give torchvision's vgg19-dcbb9e9d.pth (or train with an untrained VGG19)");
        var vgg = new Vgg19();
        var state = new Dictionary<string, Tensor>
        {
            ["mean"] = vgg.mean,
            ["std"] = vgg.std,
        };
        foreach (var (index, name, t) in features)
            state[$"slice{Array.FindLastIndex(Bounds, b => b <= index) + 1}.{index}.{name}"] = t;
        StateDict.Load(vgg, state, strict: true, source: path);
        return vgg;
    }
}
