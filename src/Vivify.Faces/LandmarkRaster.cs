using OpenCvSharp;
using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// 68 landmarks drawn as the talking-heads paper feeds them to its networks (Zakharov et al. 2019, §3.1: "rasterized
/// into three-channel images using a predefined set of colors to connect certain landmarks with line segments"): each
/// face part a coloured polyline on a blank picture of the frame's size. The paper names neither parts nor colours;
/// Vivify uses the common choice of the public re-implementations: jaw green, brows orange, nose blue, eyes red, lips
/// purple; eyes and both lip contours closed, the rest open. Lines are anti-aliased, drawn with sub-pixel precision.
/// </summary>
public static class LandmarkRaster
{
    /// <summary>One face part: the points it joins (indices into the 68) and whether the line closes.</summary>
    public sealed record Part(string Name, int First, int Last, bool Closed, (byte R, byte G, byte B) Color);

    private static readonly (byte, byte, byte) Green = (0, 128, 0), Orange = (255, 165, 0), Blue = (0, 0, 255), Red = (255, 0, 0), Purple = (128, 0, 128);

    /// <summary>The parts in drawing order (iBUG 68-point layout).</summary>
    public static readonly IReadOnlyList<Part> Parts =
    [
        new("jaw", 0, 16, false, Green),
        new("right brow", 17, 21, false, Orange),
        new("left brow", 22, 26, false, Orange),
        new("nose bridge", 27, 30, false, Blue),
        new("nostrils", 31, 35, false, Blue),
        new("right eye", 36, 41, true, Red),
        new("left eye", 42, 47, true, Red),
        new("outer lips", 48, 59, true, Purple),
        new("inner lips", 60, 67, true, Purple),
    ];

    private const int Shift = 4;   // sub-pixel bits of cv::polylines

    /// <summary>
    /// The landmarks <paramref name="points"/> ([68,2] x, y in pixels) drawn on a <paramref name="width"/>×<paramref name="height"/>
    /// picture: [3,H,W] float32 RGB in [0,1]. <paramref name="thickness"/> defaults to 2 px per 256 px of the shorter side
    /// (at least 1); <paramref name="background"/> is black unless given.
    /// </summary>
    public static Tensor Draw(Tensor points, int width, int height, int? thickness = null, (byte R, byte G, byte B)? background = null)
    {
        if (points.dim() != 2 || points.shape[0] != 68 || points.shape[1] != 2)
            throw new VivifyException($"landmark rasterisation: expected 68 points [68,2], got [{string.Join(",", points.shape)}]");
        if (width < 1 || height < 1)
            throw new VivifyException($"landmark rasterisation: the picture size {width}x{height} must be positive");
        var bg = background ?? ((byte)0, (byte)0, (byte)0);
        using var mat = new Mat(height, width, MatType.CV_8UC3, new Scalar(bg.R, bg.G, bg.B));   // channels in RGB order
        DrawOn(mat, points, thickness ?? DefaultThickness(width, height));
        return ToTensor(mat);
    }

    /// <summary>2 px per 256 px of the shorter side, at least 1.</summary>
    public static int DefaultThickness(int width, int height) => Math.Max(1, (int)Math.Round(2.0 * Math.Min(width, height) / 256));

    /// <summary>Draws the parts of <paramref name="points"/> ([68,2]) onto an RGB 8-bit <paramref name="mat"/>.</summary>
    internal static void DrawOn(Mat mat, Tensor points, int thickness)
    {
        if (points.dim() != 2 || points.shape[0] != 68 || points.shape[1] != 2)
            throw new VivifyException($"landmark rasterisation: expected 68 points [68,2], got [{string.Join(",", points.shape)}]");
        var xy = points.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        foreach (var part in Parts)
        {
            var line = Enumerable.Range(part.First, part.Last - part.First + 1)
                .Select(i => new Point(Fixed(xy[2 * i]), Fixed(xy[2 * i + 1]))).ToArray();
            Cv2.Polylines(mat, [line], part.Closed, new Scalar(part.Color.R, part.Color.G, part.Color.B), thickness, LineTypes.AntiAlias, Shift);
        }
    }

    /// <summary>An RGB 8-bit picture [3,H,W] float32 in [0,1] as a Mat (CV_8UC3, RGB order), rounding to bytes.</summary>
    internal static Mat ToMat(Tensor image)
    {
        long h = image.shape[1], w = image.shape[2];
        var data = RgbFrame.FromTensor(image).Data;
        var mat = new Mat((int)h, (int)w, MatType.CV_8UC3);
        for (var y = 0; y < h; y++)
            System.Runtime.InteropServices.Marshal.Copy(data, (int)(y * w * 3), mat.Ptr(y), (int)(w * 3));
        return mat;
    }

    /// <summary>A CV_8UC3 Mat (RGB order) as [3,H,W] float32 in [0,1].</summary>
    internal static Tensor ToTensor(Mat mat)
    {
        int width = mat.Width, height = mat.Height;
        var bytes = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
            System.Runtime.InteropServices.Marshal.Copy(mat.Ptr(y), bytes, y * width * 3, width * 3);
        return new RgbFrame(width, height, bytes).ToTensor();
    }

    private static int Fixed(double v)
    {
        if (!double.IsFinite(v)) throw new VivifyException($"landmark rasterisation: a landmark coordinate is {v}");
        return (int)Math.Round(Math.Clamp(v, -1e6, 1e6) * (1 << Shift));
    }
}
