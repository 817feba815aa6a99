using Vivify.Torch.Modules;
using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Heads;

/// <summary>
/// L_CNT (Zakharov et al. Sec. 3.2, 4): L1 distances between activations of the real frame x and the generated
/// x̂ at VGG19's Conv1, 6, 11, 20, 29 (torchvision <c>features</c> indices: relu1_1 … relu5_1), weighted
/// 1.5·10⁻¹, plus at VGG-Face's Conv1, 6, 11, 18, 25 (relu1_1 … relu5_1 of its VGG16 layout), weighted
/// 2.5·10⁻² — the second only when VGG-Face weights are given. Frames are in [0,1]. VGG19 sees them normalised
/// with ImageNet's mean and std (torchvision's convention); VGG-Face sees 0…255 minus its mean face colour.
/// Without VGG19 weights (<see cref="Pixel"/>) the mean absolute pixel difference weighted
/// <see cref="HeadsConfig.PixelWeight"/> stands in for it.
/// </summary>
public sealed class ContentLoss : IDisposable
{
    public static readonly int[] Vgg19Layers = [1, 6, 11, 20, 29];
    public static readonly int[] VggFaceLayers = [1, 6, 11, 18, 25];

    /// <summary>VGG-Face's training mean (RGB, 0…255) of the published conversion.</summary>
    public static readonly float[] VggFaceMean = [129.186279f, 104.762383f, 93.593964f];

    private readonly Vgg19Features? _vgg19;
    private readonly double _pixelWeight;
    private readonly VggFaceFeatures? _vggFace;
    private readonly double _vgg19Weight, _vggFaceWeight;

    /// <param name="log">Told once when the VGG-Face term is absent.</param>
    public ContentLoss(Vgg19Features vgg19, VggFaceFeatures? vggFace, double vgg19Weight, double vggFaceWeight, Action<string>? log = null)
    {
        _vgg19 = vgg19;
        _vggFace = vggFace;
        _vgg19Weight = vgg19Weight;
        _vggFaceWeight = vggFaceWeight;
        foreach (var net in new nn.Module?[] { vgg19, vggFace })
        {
            if (net is null) continue;
            foreach (var p in net.parameters()) p.requires_grad = false;
            net.eval();
        }
        if (vggFace is null)
            log?.Invoke("content loss: no VGG-Face weights given, so L_CNT has only its VGG19 term");
    }

    public ContentLoss(HeadsConfig config, Vgg19Features vgg19, VggFaceFeatures? vggFace, Action<string>? log = null)
        : this(vgg19, vggFace, config.Vgg19Weight, config.VggFaceWeight, log) { }

    private ContentLoss(double pixelWeight) => _pixelWeight = pixelWeight;

    /// <summary>The stand-in without VGG weights: <see cref="HeadsConfig.PixelWeight"/> · mean |x − x̂|.</summary>
    public static ContentLoss Pixel(HeadsConfig config) => new(config.PixelWeight);

    /// <summary>False for the <see cref="Pixel"/> stand-in.</summary>
    public bool IsPerceptual => _vgg19 is not null;

    public bool HasVggFace => _vggFace is not null;

    /// <summary>Weighted L_CNT for real frames <paramref name="x"/> and generated <paramref name="xHat"/> [B,3,H,W] in [0,1].</summary>
    public Tensor forward(Tensor x, Tensor xHat)
    {
        if (_vgg19 is null) return S(_pixelWeight) * nn.functional.l1_loss(xHat, x.detach());
        using var scope = NewDisposeScope();
        var loss = S(_vgg19Weight) * Distance(i => _vgg19[i], Vgg19Layers, Vgg19Input(x), Vgg19Input(xHat));
        if (_vggFace is not null)
            loss = loss.add(S(_vggFaceWeight) * Distance(i => _vggFace[i], VggFaceLayers, VggFaceInput(x), VggFaceInput(xHat)), One);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Σ over <paramref name="layers"/> of the mean absolute difference of activations (real ones constant).</summary>
    internal static Tensor Distance(Func<int, nn.Module<Tensor, Tensor>> layer, int[] layers, Tensor real, Tensor fake)
    {
        using var scope = NewDisposeScope();
        Tensor? total = null;
        var hr = real.detach();
        var hf = fake;
        for (int f = 0; f <= layers[^1]; f++)
        {
            using (no_grad()) hr = layer(f).call(hr);
            hf = layer(f).call(hf);
            if (!layers.Contains(f)) continue;
            var term = nn.functional.l1_loss(hf, hr);
            total = total is null ? term : total.add(term, One);
        }
        return total!.MoveToOuterDisposeScope();
    }

    private static Tensor Vgg19Input(Tensor x)
    {
        using var mean = tensor(new float[] { 0.485f, 0.456f, 0.406f }, device: x.device).to(x.dtype).view(1, 3, 1, 1);
        using var std = tensor(new float[] { 0.229f, 0.224f, 0.225f }, device: x.device).to(x.dtype).view(1, 3, 1, 1);
        return (x - mean) / std;
    }

    private static Tensor VggFaceInput(Tensor x)
    {
        using var mean = tensor(VggFaceMean, device: x.device).to(x.dtype).view(1, 3, 1, 1);
        return x * S(255) - mean;
    }

    public void Dispose()
    {
        _vgg19?.Dispose();
        _vggFace?.Dispose();
    }
}
