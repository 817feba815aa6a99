using Vivify.Torch.Checkpoints;
using static TorchSharp.torch;

namespace Vivify.Torch.Modules;

/// <summary>torchvision's <c>vgg.make_layers</c> without batch norm, shared by every VGG feature network Vivify builds.</summary>
public static class TorchvisionVgg
{
    /// <summary>
    /// The layers of a torchvision <c>features</c> block in index order: for each entry of <paramref name="cfg"/> a
    /// 3×3 convolution (padding 1) and a ReLU, or a 2×2 max pooling where the entry is 0 (torchvision's "M"). The list
    /// index is the torchvision index (<c>features.N</c>). torchvision's ReLU is in place; callers either clone a
    /// feature they keep or take fresh outputs, so an out-of-place ReLU gives the same values.
    /// </summary>
    public static List<nn.Module<Tensor, Tensor>> MakeLayers(IEnumerable<int> cfg)
    {
        var layers = new List<nn.Module<Tensor, Tensor>>();
        long inC = 3;
        foreach (var v in cfg)
        {
            if (v == 0) { layers.Add(nn.MaxPool2d(2, stride: 2)); continue; }
            layers.Add(nn.Conv2d(inC, v, 3, stride: 1, padding: 1));
            layers.Add(nn.ReLU());
            inC = v;
        }
        return layers;
    }

    /// <summary>
    /// torchvision's initialisation of an untrained VGG (<c>VGG._initialize_weights</c>) for these layers: every
    /// convolution's weight from kaiming_normal_ (fan_out, ReLU gain), its bias zero. With it the activations keep
    /// their scale through the network; under the framework's default initialisation they shrink layer by layer (in
    /// VGG19, mean |relu1_1| 0.32 and |relu5_1| 0.004 on random images), so an untrained network's deeper features all
    /// but vanish.
    /// </summary>
    public static void InitializeAsTorchvision(IEnumerable<nn.Module> layers)
    {
        using var noGrad = no_grad();
        foreach (var conv in layers.OfType<TorchSharp.Modules.Conv2d>())
        {
            nn.init.kaiming_normal_(conv.weight!, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
            if (conv.bias is { } bias) nn.init.zeros_(bias);
        }
    }

    /// <summary>
    /// The <c>features.N.weight</c> / <c>features.N.bias</c> tensors of torchvision's VGG state-dict file (such as
    /// vgg19-dcbb9e9d.pth, zip or legacy format) with N &lt; <paramref name="maxIndex"/>, in file order; the classifier
    /// and deeper layers are left out. A missing file, a file that is not a state dict or one without VGG features
    /// fails in one line ending with <paramref name="fix"/>.
    /// </summary>
    public static List<(int Index, string Name, Tensor Value)> ReadFeatures(string path, int maxIndex, string fix)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, $"{path}: VGG19 weights not found: {fix}");
        if (CheckpointIO.Load(path) is not PyDict dict) throw new ModelMismatchException($"{path}: not a state dict: {fix}", path);
        var features = new List<(int, string, Tensor)>();
        foreach (var (key, value) in dict)
        {
            if (key is not string s || !s.StartsWith("features.", StringComparison.Ordinal) || value is not Tensor t) continue;
            var parts = s.Split('.');
            if (parts.Length == 3 && int.TryParse(parts[1], out var index) && index < maxIndex) features.Add((index, parts[2], t));
        }
        if (features.Count == 0) throw new ModelMismatchException($"{path}: holds no VGG 'features.N' weights: {fix}", path);
        return features;
    }
}
