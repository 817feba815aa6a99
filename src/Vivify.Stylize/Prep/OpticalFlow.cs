using System.Runtime.InteropServices;
using OpenCvSharp;
using static TorchSharp.torch;

namespace Vivify.Stylize.Prep;

/// <summary>
/// Dense optical flow between two frames, in the published disflow tool's convention: flow(from → to) at a pixel of
/// <c>from</c> is where that pixel is in <c>to</c>, relative (from(y,x) ≈ to(y + v, x + u)); computed on 8-bit grey.
/// The published tool uses OpenCV's DIS flow (PRESET_MEDIUM). OpenCvSharp 4.13 exposes no DIS flow (neither a managed
/// wrapper nor an exported native entry), so this uses OpenCV's Farnebäck flow, the dense flow it does expose, with
/// parameters for video frames of a few hundred pixels: pyramid scale 0.5, 5 levels, 15-pixel window, 3 iterations,
/// polynomial neighbourhood 5 with σ 1.1.
/// </summary>
public static class OpticalFlow
{
    public const double PyramidScale = 0.5;
    public const int Levels = 5;
    public const int WindowSize = 15;
    public const int Iterations = 3;
    public const int PolyN = 5;
    public const double PolySigma = 1.1;

    /// <summary>Flow from <paramref name="from"/> to <paramref name="to"/> (uint8 [3,H,W]) as float32 [H,W,2] (u, v) in pixels.</summary>
    public static Tensor Compute(Tensor from, Tensor to)
    {
        if (from.shape[1] != to.shape[1] || from.shape[2] != to.shape[2])
            throw new ArgumentException($"frames differ in size: [{string.Join(",", from.shape)}] and [{string.Join(",", to.shape)}]");
        using var a = CvImage.Gray(from);
        using var b = CvImage.Gray(to);
        using var flow = new Mat();
        Cv2.CalcOpticalFlowFarneback(a, b, flow, PyramidScale, Levels, WindowSize, Iterations, PolyN, PolySigma, OpticalFlowFlags.None);
        int h = flow.Rows, w = flow.Cols;
        var data = new float[h * w * 2];
        Marshal.Copy(flow.Data, data, 0, data.Length);
        return tensor(data, new long[] { h, w, 2 });
    }
}
