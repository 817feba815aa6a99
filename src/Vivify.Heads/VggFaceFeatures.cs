using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.StateDicts;
using Vivify.Torch.Modules;
using static TorchSharp.torch;

namespace Vivify.Heads;

/// <summary>
/// The convolutional part of VGG-Face (Parkhi et al. 2015): VGG16's layout (configuration "D", 13 3×3
/// convolutions with ReLU, 5 max poolings), keys <c>features.N.weight</c> / <c>features.N.bias</c> as in
/// torchvision's vgg16. <see cref="Load"/> also reads the <c>vgg_face_dag.pth</c> conversion (keys
/// <c>conv1_1.weight</c> … <c>conv5_3.bias</c>, fully connected layers ignored).
/// </summary>
public sealed class VggFaceFeatures : nn.Module<Tensor, Tensor>
{
    /// <summary>Output channels per convolution, 0 for max pooling (torchvision cfgs["D"]).</summary>
    public static readonly int[] Layout = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0];

    private readonly Sequential features;

    public VggFaceFeatures() : base(nameof(VggFaceFeatures))
    {
        features = nn.Sequential(TorchvisionVgg.MakeLayers(Layout).Select((layer, i) => (i.ToString(CultureInfo.InvariantCulture), layer)));
        RegisterComponents();
    }

    public int Count => (int)features.Count;

    public nn.Module<Tensor, Tensor> this[int index] => (nn.Module<Tensor, Tensor>)features[index];

    public override Tensor forward(Tensor x) => features.forward(x);

    /// <summary>Reads VGG-Face weights: a state dict with torchvision-style <c>features.N</c> keys or vgg_face_dag's <c>convA_B</c> keys.</summary>
    public static VggFaceFeatures Load(string path)
    {
        const string Fix = "give VGG-Face weights as a state dict (features.N.* keys, or vgg_face_dag.pth's conv1_1 … conv5_3)";
        if (!File.Exists(path)) throw new InvalidInputException(path, $"{path}: VGG-Face weights not found; {Fix}");
        if (CheckpointIO.Load(path) is not PyDict dict) throw new ModelMismatchException($"{path}: not a state dict; {Fix}", path);
        var names = DagNames();
        var state = new PyDict("collections.OrderedDict");
        foreach (var (key, value) in dict)
        {
            if (key is not string s) continue;
            if (s.StartsWith("features.", StringComparison.Ordinal)) state[s] = value;
            else
            {
                var dot = s.IndexOf('.');
                if (dot > 0 && names.TryGetValue(s[..dot], out var index)) state[$"features.{index}{s[dot..]}"] = value;
            }
        }
        var vgg = new VggFaceFeatures();
        StateDict.Load(vgg, state, strict: true, source: path);
        return vgg;
    }

    /// <summary>vgg_face_dag's convolution names (conv1_1 …) → torchvision indices.</summary>
    private static Dictionary<string, int> DagNames()
    {
        var map = new Dictionary<string, int>();
        int index = 0, stage = 1, conv = 1;
        foreach (var v in Layout)
        {
            if (v == 0) { stage++; conv = 1; index++; continue; }
            map[$"conv{stage}_{conv++}"] = index;
            index += 2;
        }
        return map;
    }
}
