using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// 68-point landmarks of a face crop as face-api's <c>detectLandmarks</c> computes them: the crop padded to a square
/// (centred), resized to 112×112, minus the package's mean RGB (122.782, 117.001, 104.298), divided by 255, run through
/// the network, and the outputs mapped back to the crop's pixels (face-api's <c>postProcess</c>, which removes half of
/// the padding difference on each side).
/// </summary>
public static class FaceLandmarks
{
    public const int InputSize = 112;
    public static readonly float[] MeanRgb = [122.782f, 117.001f, 104.298f];

    /// <summary>The network's input for one crop: [1,3,112,112] float32. <paramref name="crop"/> is [3,H,W] RGB in [0,1].</summary>
    public static Tensor Preprocess(Tensor crop) => TfImage.NormalisedSquare(crop, InputSize, MeanRgb);

    /// <summary>The 68 points [68,2] (x, y) in the crop's pixels from the network's [136] output for a crop of width×height.</summary>
    public static Tensor Postprocess(Tensor output, long width, long height)
    {
        // face-api: inputDimensions = crop size scaled so the longer side is 112; padding = |w - h| / 2 on the shorter axis.
        double scale = (double)InputSize / Math.Max(width, height);
        double w = width * scale, h = height * scale;
        double padX = w < h ? Math.Abs(w - h) / 2 : 0, padY = h < w ? Math.Abs(w - h) / 2 : 0;
        using var scope = NewDisposeScope();
        var xy = output.reshape(68, 2).to_type(ScalarType.Float32);
        var size = tensor(new[] { (float)InputSize, (float)InputSize });
        var pad = tensor(new[] { (float)padX, (float)padY });
        var dims = tensor(new[] { (float)w, (float)h });
        var relative = (xy * size - pad) / dims;
        return (relative * tensor(new[] { (float)width, (float)height })).MoveToOuterDisposeScope();
    }

    /// <summary>The 68 landmarks [68,2] (x, y, in the crop's pixels) of the face filling <paramref name="crop"/> ([3,H,W] RGB in [0,1]).</summary>
    public static Tensor Detect(nn.Module<Tensor, Tensor> net, Tensor crop)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = Preprocess(crop);
        var output = net.forward(input);
        return Postprocess(output[0], crop.shape[2], crop.shape[1]).MoveToOuterDisposeScope();
    }
}
