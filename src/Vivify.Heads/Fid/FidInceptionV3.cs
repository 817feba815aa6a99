using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.StateDicts;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace Vivify.Heads.Fid;

/// <summary>
/// The Inception network of the Fréchet Inception Distance (Heusel et al. 2017) as pytorch-fid builds it for FID
/// (<c>fid_inception_v3</c>): torchvision's Inception3 layout with the TensorFlow graph's pooling (FidInceptionA/C/E),
/// up to the 2048-D average pool ("pool3"). Weights: pytorch-fid's <c>pt_inception-2015-12-05-6726825d.pth</c> (the
/// TensorFlow FID weights ported; keys <c>Conv2d_1a_3x3.conv.weight</c>, …; its 1008-class <c>fc</c> is not used).
/// Input: RGB in [0,1], resized bilinearly to 299×299 and scaled to [-1,1], as pytorch-fid does.
/// </summary>
public sealed class FidInceptionV3 : Module<Tensor, Tensor>
{
    /// <summary>The file name pytorch-fid downloads, which users pass with --inception.</summary>
    public const string WeightsFile = "pt_inception-2015-12-05-6726825d.pth";

    public const int FeatureCount = 2048;

    private readonly BasicConv2d Conv2d_1a_3x3, Conv2d_2a_3x3, Conv2d_2b_3x3, Conv2d_3b_1x1, Conv2d_4a_3x3;
    private readonly FidInceptionA Mixed_5b, Mixed_5c, Mixed_5d;
    private readonly InceptionB Mixed_6a;
    private readonly FidInceptionC Mixed_6b, Mixed_6c, Mixed_6d, Mixed_6e;
    private readonly InceptionD Mixed_7a;
    private readonly FidInceptionE Mixed_7b, Mixed_7c;

    public FidInceptionV3() : base(nameof(FidInceptionV3))
    {
        Conv2d_1a_3x3 = new BasicConv2d(3, 32, 3, stride: 2);
        Conv2d_2a_3x3 = new BasicConv2d(32, 32, 3);
        Conv2d_2b_3x3 = new BasicConv2d(32, 64, 3, padding: 1);
        Conv2d_3b_1x1 = new BasicConv2d(64, 80, 1);
        Conv2d_4a_3x3 = new BasicConv2d(80, 192, 3);
        Mixed_5b = new FidInceptionA(192, 32);
        Mixed_5c = new FidInceptionA(256, 64);
        Mixed_5d = new FidInceptionA(288, 64);
        Mixed_6a = new InceptionB(288);
        Mixed_6b = new FidInceptionC(768, 128);
        Mixed_6c = new FidInceptionC(768, 160);
        Mixed_6d = new FidInceptionC(768, 160);
        Mixed_6e = new FidInceptionC(768, 192);
        Mixed_7a = new InceptionD(768);
        Mixed_7b = new FidInceptionE(1280, maxPool: false);
        Mixed_7c = new FidInceptionE(2048, maxPool: true);
        RegisterComponents();
        foreach (var p in parameters()) p.requires_grad = false;
        eval();
    }

    /// <summary>The pool3 features [N,2048] of images [N,3,H,W] in [0,1] (any size; resized to 299×299).</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = F.interpolate(images, [299, 299], mode: InterpolationMode.Bilinear, align_corners: false) * S(2) - S(1);
        x = Conv2d_2b_3x3.forward(Conv2d_2a_3x3.forward(Conv2d_1a_3x3.forward(x)));
        x = F.max_pool2d(x, 3, 2);
        x = Conv2d_4a_3x3.forward(Conv2d_3b_1x1.forward(x));
        x = F.max_pool2d(x, 3, 2);
        foreach (var block in new Module<Tensor, Tensor>[] { Mixed_5b, Mixed_5c, Mixed_5d, Mixed_6a, Mixed_6b, Mixed_6c, Mixed_6d, Mixed_6e, Mixed_7a, Mixed_7b, Mixed_7c })
            x = block.forward(x);
        return x.mean([2, 3]).MoveToOuterDisposeScope();
    }

    /// <summary>The pool3 features [N,2048] of many images [N,3,H,W] in [0,1], <paramref name="batch"/> at a time.</summary>
    public Tensor Features(Tensor images, int batch = 8)
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        for (long s = 0; s < images.shape[0]; s += batch)
            parts.Add(forward(images.narrow(0, s, Math.Min(batch, images.shape[0] - s))));
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The network with pytorch-fid's FID weights (<see cref="WeightsFile"/>, or any state dict with its keys; the
    /// classifier <c>fc.*</c> and batch counters are not needed). Fails in one line naming the file and the fix.
    /// </summary>
    public static FidInceptionV3 Load(string path)
    {
        const string fix = "give pytorch-fid's " + WeightsFile + " (its FID Inception weights)";
        if (!File.Exists(path)) throw new InvalidInputException(path, $"{path}: Inception weights not found: {fix}");
        object? loaded;
        try { loaded = CheckpointIO.Load(path); }
        catch (Exception e) when (e is CheckpointFormatException or IOException or InvalidDataException)
        {
            throw new InvalidInputException(path, $"{path}: not a PyTorch file ({e.Message}): {fix}");
        }
        if (loaded is not PyDict dict) throw new ModelMismatchException($"{path}: not a state dict: {fix}", path);
        var net = new FidInceptionV3();
        try
        {
            var kept = new PyDict();
            foreach (var (key, value) in dict)
                if (key is string s && !s.StartsWith("fc.", StringComparison.Ordinal) && !s.StartsWith("AuxLogits.", StringComparison.Ordinal)) kept[key] = value;
            var result = StateDict.Load(net, kept, strict: false, source: path);
            var missing = result.MissingKeys.Where(k => !k.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).ToList();
            if (missing.Count > 0 || result.UnexpectedKeys.Count > 0)
                throw new ModelMismatchException($"{path}: not the FID Inception network ({missing.Count} of its weights missing, e.g. '{missing.Concat(result.UnexpectedKeys).First()}'" +
                    $"{(result.UnexpectedKeys.Count > 0 ? $", {result.UnexpectedKeys.Count} unknown" : "")}): {fix}", path);
            return net;
        }
        catch (StateDictMismatchException e)
        {
            net.Dispose();
            throw new ModelMismatchException($"{path}: not the FID Inception network ({e.Message}): {fix}", path);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }
}
