using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Media;

/// <summary>
/// Image quality against a reference: PSNR and SSIM, for images [C,H,W] or batches [N,C,H,W] of the same shape, values in
/// [0, <c>dataRange</c>] (1 for images in [0,1]).
/// SSIM is Wang et al. 2004 (and their reference MATLAB <c>ssim_index</c>): an 11×11 Gaussian window with σ = 1.5
/// (normalised), K1 = 0.01, K2 = 0.03, local statistics over the "valid" region only (no padding), population
/// (not sample) covariances; computed on each colour channel separately and averaged over channels and pixels of the
/// map (for a batch: the mean over images). By construction this is scikit-image's
/// <c>structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=…, channel_axis=…)</c>
/// (its 11-tap window, border of 5 cropped); the tests check it against a numpy implementation, scikit-image not being installed here.
/// </summary>
public static class ImageMetrics
{
    public const int SsimWindow = 11;
    public const double SsimSigma = 1.5;

    /// <summary>Peak signal-to-noise ratio in dB over all elements: 10·log10(range² / MSE); +∞ for identical images.</summary>
    public static double Psnr(Tensor image, Tensor reference, double dataRange = 1.0)
    {
        CheckShapes(image, reference);
        using var scope = NewDisposeScope();
        var mse = (image.to(float64) - reference.to(float64)).pow(S(2)).mean().item<double>();
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(dataRange * dataRange / mse);
    }

    /// <summary>Mean structural similarity (per channel, averaged), in [-1, 1]; 1 for identical images.</summary>
    public static double Ssim(Tensor image, Tensor reference, double dataRange = 1.0)
    {
        CheckShapes(image, reference);
        using var scope = NewDisposeScope();
        var x = image.dim() == 3 ? image.unsqueeze(0) : image;
        var y = reference.dim() == 3 ? reference.unsqueeze(0) : reference;
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        if (h < SsimWindow || w < SsimWindow)
            throw new ArgumentException($"SSIM needs images of at least {SsimWindow}×{SsimWindow} pixels, got {w}×{h}");
        // Channels as separate single-channel images: [N·C,1,H,W] in float64 (sums of squares lose little then).
        x = x.to(float64).reshape(n * c, 1, h, w);
        y = y.to(float64).reshape(n * c, 1, h, w);
        var win = GaussianWindow().view(1, 1, SsimWindow, SsimWindow);
        Tensor Filter(Tensor t) => nn.functional.conv2d(t, win);
        var muX = Filter(x);
        var muY = Filter(y);
        var sxx = Filter(x * x) - muX * muX;
        var syy = Filter(y * y) - muY * muY;
        var sxy = Filter(x * y) - muX * muY;
        double c1 = Math.Pow(0.01 * dataRange, 2), c2 = Math.Pow(0.03 * dataRange, 2);
        var map = (S(2) * muX * muY).add(S(c1), One) * (S(2) * sxy).add(S(c2), One) / ((muX * muX).add(muY * muY, One).add(S(c1), One) * sxx.add(syy, One).add(S(c2), One));
        return map.mean().item<double>();
    }

    /// <summary>The normalised 11×11 Gaussian window (σ = 1.5), float64.</summary>
    public static Tensor GaussianWindow()
    {
        var r = SsimWindow / 2;
        var g = new double[SsimWindow];
        for (var i = 0; i < SsimWindow; i++) g[i] = Math.Exp(-((i - r) * (i - r)) / (2 * SsimSigma * SsimSigma));
        var sum = g.Sum();
        var w = new double[SsimWindow * SsimWindow];
        for (var i = 0; i < SsimWindow; i++)
            for (var j = 0; j < SsimWindow; j++)
                w[i * SsimWindow + j] = g[i] * g[j] / (sum * sum);
        return tensor(w, [SsimWindow, SsimWindow], dtype: float64);
    }

    private static void CheckShapes(Tensor image, Tensor reference)
    {
        if (!image.shape.SequenceEqual(reference.shape))
            throw new ArgumentException($"images differ in shape: [{string.Join(",", image.shape)}] vs [{string.Join(",", reference.shape)}]");
        if (image.dim() is not (3 or 4))
            throw new ArgumentException($"expected an image [C,H,W] or a batch [N,C,H,W], got [{string.Join(",", image.shape)}]");
    }
}
