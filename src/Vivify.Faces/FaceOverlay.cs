using OpenCvSharp;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>Draws detections (white boxes) and landmarks (coloured polylines) over a frame, 1 px per 320 px of the shorter side.</summary>
public static class FaceOverlay
{
    private static readonly Scalar BoxColor = new(255, 255, 255);

    /// <summary>The frame <paramref name="image"/> ([3,H,W] RGB in [0,1]) with each face's box and, where given, its
    /// landmarks drawn as <see cref="LandmarkRaster"/> draws them. A new tensor; the caller disposes it.</summary>
    public static Tensor Draw(Tensor image, IEnumerable<FaceDetection> boxes, IEnumerable<float[,]>? landmarks = null)
    {
        using var mat = LandmarkRaster.ToMat(image);
        var lw = Math.Max(1, (int)Math.Round(Math.Min(mat.Width, mat.Height) / 320.0));
        foreach (var b in boxes)
            Cv2.Rectangle(mat, new Rect((int)Math.Round(b.X), (int)Math.Round(b.Y), (int)Math.Round(b.Width), (int)Math.Round(b.Height)), BoxColor, lw, LineTypes.AntiAlias);
        foreach (var points in landmarks ?? [])
        {
            using var t = tensor(points.Cast<float>().ToArray(), [points.GetLength(0), points.GetLength(1)]);
            LandmarkRaster.DrawOn(mat, t, lw);
        }
        return LandmarkRaster.ToTensor(mat);
    }
}
