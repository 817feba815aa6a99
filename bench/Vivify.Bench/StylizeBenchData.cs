using TorchSharp;
using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Bench;

/// <summary>One benchmark frame: the input picture, its "painted" ground truth, and whether it is a training keyframe.</summary>
public sealed record BenchFrame(int Index, string FramePath, string TruthPath, bool IsKey);

/// <summary>
/// The benchmark's data: frames of a real clip (resized, written as 8-bit PNG), each "painted" with a known filter
/// (<see cref="Paint"/>), and the keyframes laid out as the published tool reads them: train/input_filtered,
/// train/output, train/mask (all white). Both Vivify and the published code read these same files.
/// </summary>
public static class StylizeBenchData
{
    public const string FilterDescription =
        "Gaussian blur (5×5, σ 1), 0.6·sepia + 0.4·blurred colour, dark ink lines where the blurred luminance's " +
        "Sobel gradient is strong (ink = clamp(3·|∇L| − 0.15, 0, 0.85), colour·(1 − ink)); reflect padding; " +
        "receptive field 7×7";

    /// <summary>The "painting": a deterministic local filter of an image [3,H,W] in [0,1].</summary>
    public static Tensor Paint(Tensor rgb)
    {
        using var scope = NewDisposeScope();
        var x = rgb.to(float32).unsqueeze(0);
        var g1 = arange(-2, 3, dtype: float32).pow(2).div(-2.0).exp();
        g1 = g1 / g1.sum();
        var kh = g1.view(1, 1, 1, 5).expand(3, 1, 1, 5).contiguous();
        var kv = g1.view(1, 1, 5, 1).expand(3, 1, 5, 1).contiguous();
        var blur = nn.functional.pad(x, [2, 2, 2, 2], PaddingModes.Reflect);
        blur = nn.functional.conv2d(nn.functional.conv2d(blur, kh, groups: 3), kv, groups: 3);
        var sepiaM = tensor(new float[] { 0.393f, 0.769f, 0.189f, 0.349f, 0.686f, 0.168f, 0.272f, 0.534f, 0.131f }, [3, 3]);
        var sepia = einsum("oc,nchw->nohw", sepiaM, blur).clamp(0, 1);
        var colour = sepia * 0.6 + blur * 0.4;
        var lum = (blur[.., 0] * 0.299 + blur[.., 1] * 0.587 + blur[.., 2] * 0.114).unsqueeze(1);
        var sobelX = tensor(new float[] { -1, 0, 1, -2, 0, 2, -1, 0, 1 }, [1, 1, 3, 3]) / 4;
        var sobelY = sobelX.transpose(2, 3).contiguous();
        var lp = nn.functional.pad(lum, [1, 1, 1, 1], PaddingModes.Reflect);
        var gx = nn.functional.conv2d(lp, sobelX);
        var gy = nn.functional.conv2d(lp, sobelY);
        var ink = ((gx * gx + gy * gy).sqrt() * 3 - 0.15).clamp(0, 0.85);
        return (colour * (1 - ink)).clamp(0, 1)[0].MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Reads <paramref name="count"/> frames of <paramref name="clip"/> from <paramref name="start"/>, resizes them to
    /// width×height (area), writes frames/NNNNN.png and truth/NNNNN.png (the painted frame, from the 8-bit input), and
    /// the keyframes (indices into the taken frames) under train/.
    /// </summary>
    public static IReadOnlyList<BenchFrame> Prepare(string clip, long start, int count, int width, int height, IReadOnlyCollection<int> keys, string dir)
    {
        if (!File.Exists(clip)) throw new VivifyException($"{clip}: sample clip not found: run 'make setup' (build/samples.sh) or pass --clip");
        if (width % 4 != 0 || height % 4 != 0) throw new UsageException($"--size {width}x{height}: use multiples of 4 (the generator halves the size twice)");
        foreach (var k in keys) if (k < 0 || k >= count) throw new UsageException($"keyframe {k} is outside the {count} frames taken");
        foreach (var sub in new[] { "frames", "truth", "train/input_filtered", "train/output", "train/mask" })
            Directory.CreateDirectory(Path.Combine(dir, sub));
        var result = new List<BenchFrame>();
        var src = VideoSource.Open(clip);
        var i = 0;
        foreach (var f in src.Frames(start, count))
        {
            using var scope = NewDisposeScope();
            var name = $"{i:D5}.png";
            var framePath = Path.Combine(dir, "frames", name);
            var truthPath = Path.Combine(dir, "truth", name);
            ImageIO.Write(framePath, Geometry.Resize(f.ToTensor(), height, width));
            ImageIO.Write(truthPath, Paint(ImageIO.Read(framePath)));
            var isKey = keys.Contains(i);
            if (isKey)
            {
                File.Copy(framePath, Path.Combine(dir, "train", "input_filtered", name), true);
                File.Copy(truthPath, Path.Combine(dir, "train", "output", name), true);
                ImageIO.Write(Path.Combine(dir, "train", "mask", name), ones(3, height, width));
            }
            result.Add(new BenchFrame(i, framePath, truthPath, isKey));
            i++;
        }
        if (i < count) throw new UsageException($"{clip}: has only {i} frames from frame {start}; take fewer (--frames) or start earlier");
        return result;
    }

    /// <summary>
    /// <paramref name="count"/> frames of <paramref name="clip"/> from <paramref name="start"/>, resized (area) to width×height and
    /// written as dir/NNNNN.png: the frames both sides stylize when inference speed is measured.
    /// </summary>
    public static string InferenceFrames(string clip, long start, int count, int width, int height, string dir)
    {
        if (!File.Exists(clip)) throw new VivifyException($"{clip}: sample clip not found: run 'make setup' (build/samples.sh) or pass --clip");
        Directory.CreateDirectory(dir);
        var i = 0;
        foreach (var f in VideoSource.Open(clip).Frames(start, count))
        {
            using var scope = NewDisposeScope();
            ImageIO.Write(Path.Combine(dir, $"{i++:D5}.png"), Geometry.Resize(f.ToTensor(), height, width));
        }
        if (i < count) throw new UsageException($"{clip}: has only {i} frames from frame {start}; start earlier");
        return dir;
    }

    /// <summary>Mean PSNR and SSIM over the frames that are not keyframes; <paramref name="output"/> gives an 8-bit-exact image [3,H,W] in [0,1] per frame.</summary>
    public static (double Psnr, double Ssim) Score(IReadOnlyList<BenchFrame> frames, Func<BenchFrame, Tensor> output)
    {
        double psnr = 0, ssim = 0;
        var n = 0;
        foreach (var f in frames.Where(f => !f.IsKey))
        {
            using var scope = NewDisposeScope();
            var truth = ImageIO.Read(f.TruthPath);
            var y = output(f);
            psnr += Stylize.ImageMetrics.Psnr(y, truth);
            ssim += Stylize.ImageMetrics.Ssim(y, truth);
            n++;
        }
        return n == 0 ? (double.NaN, double.NaN) : (psnr / n, ssim / n);
    }
}
