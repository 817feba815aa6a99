using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Torch.Modules;

/// <summary>
/// The published perception network (models.PerceptualVGG19): VGG19 `features` run up to the largest requested index;
/// the outputs at the requested indices are flattened per sample and concatenated. With use_normalization the [-1,1]
/// input is mapped to [0,1] and normalised with ImageNet mean/std first. Its parameters never train.
/// </summary>
public sealed class PerceptualVGG19 : nn.Module<Tensor, Tensor>
{
    private readonly Vgg19Features model;
    private readonly int[] _featureLayers;
    private readonly bool _useNormalization;

    public PerceptualVGG19(Vgg19Features vgg, IReadOnlyList<int> feature_layers, bool use_normalization = true)
        : base(nameof(PerceptualVGG19))
    {
        if (feature_layers.Count == 0 || feature_layers.Any(i => i < 0 || i >= vgg.Count))
            throw new ConfigurationException(null, $"perception feature_layers must be indices 0..{vgg.Count - 1} of VGG19 features: fix 'feature_layers' in the configuration", key: "perception_loss.perception_model.args.feature_layers");
        model = vgg;
        _featureLayers = feature_layers.ToArray();
        _useNormalization = use_normalization;
        RegisterComponents();
        foreach (var p in parameters()) p.requires_grad = false;
        eval();
    }

    public Vgg19Features Model => model;

    /// <summary>The concatenated features [N, total] (the second value of the published forward).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = Normalize(x);
        var features = new List<Tensor>();
        for (var f = 0; f <= _featureLayers.Max(); f++)
        {
            h = model[f].forward(h);
            if (_featureLayers.Contains(f)) features.Add(h.reshape(h.shape[0], -1));
        }
        return cat(features, 1).MoveToOuterDisposeScope();
    }

    private Tensor Normalize(Tensor x)
    {
        if (!_useNormalization) return x;
        using var mean = tensor(new float[] { 0.485f, 0.456f, 0.406f }, device: x.device).view(1, 3, 1, 1);
        using var std = tensor(new float[] { 0.229f, 0.224f, 0.225f }, device: x.device).view(1, 3, 1, 1);
        return (x.add(S(1), One) / S(2) - mean) / std;
    }
}
