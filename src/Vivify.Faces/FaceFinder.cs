using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// Faces with landmarks in pictures of any size: found on a copy at most <c>maxSide</c> pixels wide or
/// high (the SSD sees 512×512 and the landmark network 112×112 anyway), then given in the picture's own pixels. A
/// large picture is first sampled every few pixels from its bytes, so a 6000×4000 one is never converted whole to
/// floats. The analyzer stays the caller's.
/// </summary>
public sealed class FaceFinder(FaceAnalyzer analyzer, int maxSide = 640)
{
    /// <summary>The faces of <paramref name="frame"/>, best score first, in its pixels.</summary>
    public List<FaceResult> Find(RgbFrame frame)
    {
        using var scope = NewDisposeScope();
        var (image, scale) = Shrunk(frame, maxSide);
        return analyzer.DetectWithLandmarks(image)
            .Select(f => new FaceResult(FaceFraming.Scale(f.Detection, scale), FaceFraming.Scale(f.Landmarks, scale)))
            .ToList();
    }

    /// <summary>The landmark boxes (<see cref="FaceFraming.LandmarkBox"/>) of <paramref name="frame"/>'s faces, in its pixels.</summary>
    public List<FaceDetection> Boxes(RgbFrame frame) =>
        Find(frame).Select(f => FaceFraming.LandmarkBox(f.Landmarks, f.Detection.Score)).ToList();

    /// <summary>
    /// The frame as float [3,h,w] in [0,1], at most <paramref name="maxSide"/> on its longer side (area averaging,
    /// after sampling every k-th pixel where the frame is over twice as large), and the factor from its pixels to the frame's.
    /// </summary>
    public static (Tensor Image, double Scale) Shrunk(RgbFrame frame, int maxSide)
    {
        if (maxSide < 16) throw new ArgumentOutOfRangeException(nameof(maxSide), $"maxSide {maxSide} must be at least 16");
        var scale = Math.Max(frame.Width, frame.Height) / (double)maxSide;
        if (scale <= 1) return (frame.ToTensor(), 1);
        using var scope = NewDisposeScope();
        var width = Math.Max(1, (int)Math.Round(frame.Width / scale));
        var height = Math.Max(1, (int)Math.Round(frame.Height / scale));
        var step = Math.Max(1, (int)(scale / 2));
        var bytes = frame.ToHwcByteTensor();
        if (step > 1) bytes = bytes.slice(0, 0, frame.Height, step).slice(1, 0, frame.Width, step);
        var image = Geometry.Resize(FrameRegion.ToFloat(bytes), height, width);
        return (image.MoveToOuterDisposeScope(), (double)frame.Width / width);
    }
}
