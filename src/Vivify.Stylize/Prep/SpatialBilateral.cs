using OpenCvSharp;
using static TorchSharp.torch;

namespace Vivify.Stylize.Prep;

/// <summary>
/// A per-frame edge-preserving pre-filter for single pictures, where the published time-aware filter has no
/// neighbouring frames: OpenCV's bilateral filter (Cv2.BilateralFilter), diameter 9, σcolour = √(3·255²)/16 ≈ 27.6
/// (the published filter's colour σ), σspace = 5 (the published filter's σ in time, taken as pixels).
/// </summary>
public static class SpatialBilateral
{
    public const int Diameter = 9;
    public static readonly double SigmaColor = Math.Sqrt(255.0 * 255.0 * 3) / TemporalBilateral.PublishedSigmaDivisor;
    public const double SigmaSpace = 5;

    /// <summary>The filtered uint8 [3,H,W] frame.</summary>
    public static Tensor Filter(Tensor rgb)
    {
        using var src = CvImage.ToMat(rgb);
        using var dst = new Mat();
        Cv2.BilateralFilter(src, dst, Diameter, SigmaColor, SigmaSpace, BorderTypes.Reflect101);
        return CvImage.FromMat(dst);
    }
}
