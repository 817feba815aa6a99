using System.Runtime.InteropServices;
using OpenCvSharp;
using Vivify.Media;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize.Prep;

/// <summary>Frames as the preparation tools use them: uint8 [3,H,W] RGB tensors, and their OpenCV Mat copies.</summary>
public static class CvImage
{
    /// <summary>An RGB uint8 [3,H,W] tensor as an 8-bit 3-channel Mat (channel order R, G, B); the caller disposes it.</summary>
    public static Mat ToMat(Tensor rgb)
    {
        RequireRgb8(rgb);
        int h = (int)rgb.shape[1], w = (int)rgb.shape[2];
        using var hwc = rgb.permute(1, 2, 0).contiguous();
        var bytes = hwc.data<byte>().ToArray();
        var mat = new Mat(h, w, MatType.CV_8UC3);
        Marshal.Copy(bytes, 0, mat.Data, bytes.Length);
        return mat;
    }

    /// <summary>An 8-bit 3-channel Mat (R, G, B order) back to a uint8 [3,H,W] tensor.</summary>
    public static Tensor FromMat(Mat mat)
    {
        if (mat.Type() != MatType.CV_8UC3) throw new ArgumentException($"expected an 8-bit 3-channel image, got {mat.Type()}", nameof(mat));
        using var continuous = mat.IsContinuous() ? null : mat.Clone();
        var src = continuous ?? mat;
        var bytes = new byte[src.Rows * src.Cols * 3];
        Marshal.Copy(src.Data, bytes, 0, bytes.Length);
        return new RgbFrame(src.Cols, src.Rows, bytes).ToByteTensor();
    }

    /// <summary>The 8-bit grey version (OpenCV's RGB→GRAY weights), as optical flow takes it.</summary>
    public static Mat Gray(Tensor rgb)
    {
        using var color = ToMat(rgb);
        var gray = new Mat();
        Cv2.CvtColor(color, gray, ColorConversionCodes.RGB2GRAY);
        return gray;
    }

    /// <summary>A float [3,H,W] image in [0,1] (Vivify.Media's frames) as uint8, rounded.</summary>
    public static Tensor ToBytes(Tensor unit) => (unit.clamp(S(0), S(1)) * S(255)).round().to(ScalarType.Byte);

    /// <summary>uint8 [C,H,W] back to float in [0,1].</summary>
    public static Tensor ToUnit(Tensor bytes) => bytes.to(ScalarType.Float32) / S(255);

    internal static void RequireRgb8(Tensor t)
    {
        if (t.dtype != ScalarType.Byte || t.dim() != 3 || t.shape[0] != 3)
            throw new ArgumentException($"expected a uint8 [3,H,W] image, got {t.dtype} [{string.Join(",", t.shape)}]");
    }
}
