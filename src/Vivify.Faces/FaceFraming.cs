using Vivify.Media;

namespace Vivify.Faces;

/// <summary>
/// The square a face is animated in. The published <c>crop-video.py</c> (<c>compute_bbox</c>) enlarges a face box by
/// <c>increase</c> on each side, more on the shorter side so that the region becomes a square: both sides end up
/// (1 + 2·increase) × the box's longer side, centred on the box. Vivify applies that rule to the bounding box of the
/// face's 68 landmarks (the same box whichever detector found the face, so a source found by the SSD and driving frames
/// found by the tiny detector are framed alike; face-api's boxes differ by detector: the tiny one's are about a third
/// wider) with <see cref="DefaultIncrease"/>, chosen so the square shows the head as the VoxCeleb crops the published
/// face models were trained on do (hair to neck). Where the script clips the region at the frame's border (then
/// stretches it to a square), Vivify keeps the square: the part outside the picture is filled with the edge pixels
/// for the network and left out when pasting back.
/// </summary>
public static class FaceFraming
{
    /// <summary>Enlargement on each side, as a fraction of the landmarks' box (crop-video.py's <c>--increase</c>, 0.1 there on its detector's boxes).</summary>
    public const double DefaultIncrease = 0.5;

    /// <summary>crop-video.py's enlargement of <paramref name="face"/> to a square of (1 + 2·<paramref name="increase"/>) × its longer side.</summary>
    public static SquareBox Square(FaceDetection face, double increase = DefaultIncrease)
    {
        if (!(increase >= 0) || increase > 10) throw new ArgumentOutOfRangeException(nameof(increase), $"increase {increase} must be in [0, 10]");
        var side = (1 + 2 * increase) * Math.Max(face.Width, face.Height);
        return SquareBox.Centered(face.X + face.Width / 2, face.Y + face.Height / 2, side);
    }

    /// <summary>The square of a face with landmarks: <see cref="Square(FaceDetection, double)"/> of the landmarks' bounding box.</summary>
    public static SquareBox Square(FaceResult face, double increase = DefaultIncrease) => Square(LandmarkBox(face.Landmarks, face.Detection.Score), increase);

    /// <summary>The bounding box of landmarks [N,2] (x, y).</summary>
    public static FaceDetection LandmarkBox(float[,] landmarks, double score = 1)
    {
        double x0 = double.MaxValue, y0 = double.MaxValue, x1 = double.MinValue, y1 = double.MinValue;
        for (var i = 0; i < landmarks.GetLength(0); i++)
        {
            x0 = Math.Min(x0, landmarks[i, 0]); x1 = Math.Max(x1, landmarks[i, 0]);
            y0 = Math.Min(y0, landmarks[i, 1]); y1 = Math.Max(y1, landmarks[i, 1]);
        }
        return new FaceDetection(score, x0, y0, x1 - x0, y1 - y0);
    }

    /// <summary>A box found on a copy of a picture scaled down by <paramref name="scale"/> (≥ 1), in the picture's pixels.</summary>
    public static FaceDetection Scale(FaceDetection d, double scale) =>
        d with { X = d.X * scale, Y = d.Y * scale, Width = d.Width * scale, Height = d.Height * scale };

    /// <summary>Landmarks found on a copy scaled down by <paramref name="scale"/>, in the picture's pixels.</summary>
    public static float[,] Scale(float[,] landmarks, double scale)
    {
        var r = new float[landmarks.GetLength(0), landmarks.GetLength(1)];
        for (var i = 0; i < landmarks.GetLength(0); i++)
            for (var j = 0; j < landmarks.GetLength(1); j++) r[i, j] = (float)(landmarks[i, j] * scale);
        return r;
    }
}
