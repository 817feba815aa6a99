using OpenCvSharp;
using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Stylize.Prep;

/// <summary>
/// A stand-in "painted" keyframe for demos and tests, where no artist painted one: a deterministic cartoon filter
/// (OpenCV): colours smoothed (bilateral, 4 passes), saturation ×1.5, brightness raised (γ 0.6), each channel posterised to 5 levels, and dark
/// outlines from an adaptive threshold of the median-blurred grey image.
/// </summary>
public static class ToonFilter
{
    /// <summary>Reads the picture <paramref name="input"/>, filters it and writes <paramref name="output"/> (.png/.jpg).</summary>
    public static void ApplyFile(string input, string output)
    {
        using var scope = NewDisposeScope();
        var frame = ImageIO.ReadFrame(input).ToByteTensor();
        ImageIO.Write(output, CvImage.ToUnit(Apply(frame)));
    }

    /// <summary>The filter on an RGB picture, uint8 [3,H,W] → uint8 [3,H,W].</summary>
    public static Tensor Apply(Tensor rgb)
    {
        using var src = CvImage.ToMat(rgb);
        var smooth = src.Clone();
        for (var i = 0; i < 4; i++)
        {
            using var next = new Mat();
            Cv2.BilateralFilter(smooth, next, 7, 40, 7);
            smooth.Dispose();
            smooth = next.Clone();
        }
        using var hsv = new Mat();
        Cv2.CvtColor(smooth, hsv, ColorConversionCodes.RGB2HSV);
        var channels = Cv2.Split(hsv);
        channels[1].ConvertTo(channels[1], MatType.CV_8U, 1.5);
        using (var gamma = Mat.FromPixelData(1, 256, MatType.CV_8U, Enumerable.Range(0, 256).Select(v => (byte)Math.Round(255 * Math.Pow(v / 255.0, 0.6))).ToArray()))
            Cv2.LUT(channels[2], gamma, channels[2]);
        Cv2.Merge(channels, hsv);
        foreach (var c in channels) c.Dispose();
        using var vivid = new Mat();
        Cv2.CvtColor(hsv, vivid, ColorConversionCodes.HSV2RGB);
        smooth.Dispose();

        using var poster = new Mat();
        using var lut = Mat.FromPixelData(1, 256, MatType.CV_8U, Enumerable.Range(0, 256).Select(v => (byte)Math.Min(255, (v + 32) / 64 * 64)).ToArray());
        Cv2.LUT(vivid, lut, poster);

        using var gray = new Mat();
        Cv2.CvtColor(src, gray, ColorConversionCodes.RGB2GRAY);
        Cv2.MedianBlur(gray, gray, 5);
        using var edges = new Mat();
        Cv2.AdaptiveThreshold(gray, edges, 255, AdaptiveThresholdTypes.MeanC, ThresholdTypes.Binary, 9, 4);
        using var edges3 = new Mat();
        Cv2.CvtColor(edges, edges3, ColorConversionCodes.GRAY2RGB);
        using var result = new Mat();
        Cv2.BitwiseAnd(poster, edges3, result);
        return CvImage.FromMat(result);
    }
}
