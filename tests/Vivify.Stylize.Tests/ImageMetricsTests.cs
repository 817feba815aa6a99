using Vivify.Media;
using System.Globalization;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Stylize.Tests;

public sealed class ImageMetricsTests
{
    [Fact]
    public void PsnrOfAConstantDifferenceIsKnown()
    {
        var a = full(3, 16, 16, 0.5, dtype: float32);
        var b = full(3, 16, 16, 0.6, dtype: float32);
        // MSE = 0.01 → 10·log10(1/0.01) = 20 dB; on an 8-bit range with a difference of 4: 10·log10(255²/16).
        Assert.Equal(20.0, ImageMetrics.Psnr(a, b), 4);
        Assert.Equal(10 * Math.Log10(255.0 * 255 / 16), ImageMetrics.Psnr(full(3, 8, 8, 100.0), full(3, 8, 8, 104.0), 255), 9);
        Assert.Equal(double.PositiveInfinity, ImageMetrics.Psnr(a, a));
    }

    [Fact]
    public void SsimOfIdenticalImagesIsOneAndOfAConstantShiftIsTheLuminanceTerm()
    {
        manual_seed(1);
        var a = rand(3, 24, 20);
        Assert.Equal(1.0, ImageMetrics.Ssim(a, a), 12);
        // Two flat images μx = 0.2, μy = 0.4, no variance: SSIM = (2·μx·μy + C1) / (μx² + μy² + C1) everywhere.
        const double c1 = 0.0001;
        var expected = (2 * 0.2 * 0.4 + c1) / (0.04 + 0.16 + c1);
        Assert.Equal(expected, ImageMetrics.Ssim(full(1, 3, 12, 12, 0.2), full(1, 3, 12, 12, 0.4)), 9);
        var w = ImageMetrics.GaussianWindow();
        Assert.Equal(1.0, w.sum().item<double>(), 12);
        Assert.Equal(w[5, 5].item<double>() * Math.Exp(-1 / 4.5), w[5, 6].item<double>(), 12);
    }

    [Fact]
    public void MatchesANumpyImplementationOfWangEtAl()
    {
        // numpy: separable 11×11 Gaussian (σ 1.5) over the valid region, population covariances, per channel, mean.
        var dir = TensorFiles.TempDir("ssim");
        try
        {
            var output = Python.Run(TensorFiles.PythonHelpers + """
                import sys, json
                from numpy.lib.stride_tricks import sliding_window_view as swv
                rng = np.random.default_rng(7)
                x = rng.random((2, 3, 30, 26))
                y = np.clip(x + 0.1 * rng.standard_normal(x.shape) + 0.05, 0, 1)
                y[1] = np.clip(0.7 * x[1] + 0.2, 0, 1)
                g = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5 ** 2)); g /= g.sum()
                def filt(a):
                    a = (swv(a, 11, axis=-1) * g).sum(-1)
                    return (swv(a, 11, axis=-2) * g).sum(-1)
                def ssim(a, b):
                    c1, c2 = 0.01 ** 2, 0.03 ** 2
                    mx, my = filt(a), filt(b)
                    sxx, syy, sxy = filt(a * a) - mx * mx, filt(b * b) - my * my, filt(a * b) - mx * my
                    return (((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))).mean()
                out = {'ssim': ssim(x, y), 'ssim0': ssim(x[0], y[0]), 'psnr': 10 * np.log10(1 / ((x - y) ** 2).mean())}
                save_tensors(sys.argv[1], {'x': torch.from_numpy(x), 'y': torch.from_numpy(y)})
                print(json.dumps(out))
                """, dir);
            var t = TensorFiles.Read(dir);
            using var doc = System.Text.Json.JsonDocument.Parse(output);
            double Get(string k) => doc.RootElement.GetProperty(k).GetDouble();
            Assert.Equal(Get("ssim"), ImageMetrics.Ssim(t["x"], t["y"]), 10);
            Assert.Equal(Get("ssim0"), ImageMetrics.Ssim(t["x"][0], t["y"][0]), 10);
            Assert.Equal(Get("psnr"), ImageMetrics.Psnr(t["x"], t["y"]), 10);
            // float32 inputs give the same figures to float32 precision.
            Assert.Equal(Get("ssim"), ImageMetrics.Ssim(t["x"].to(float32), t["y"].to(float32)), 5);
            Assert.True(Get("ssim") < 0.99, Get("ssim").ToString(CultureInfo.InvariantCulture));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void MismatchedOrTooSmallImagesAreUsageErrors()
    {
        Assert.Throws<ArgumentException>(() => ImageMetrics.Psnr(zeros(3, 8, 8), zeros(3, 8, 9)));
        Assert.Throws<ArgumentException>(() => ImageMetrics.Ssim(zeros(3, 8, 8), zeros(3, 8, 8)));
    }
}
