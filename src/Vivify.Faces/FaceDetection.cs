namespace Vivify.Faces;

/// <summary>A detected face: the detector's score and the box in the picture's pixels (x, y of the top-left corner).</summary>
public sealed record FaceDetection(double Score, double X, double Y, double Width, double Height)
{
    public double Area => Math.Max(0, Width) * Math.Max(0, Height);

    /// <summary>Intersection over union with another box.</summary>
    public double IoU(FaceDetection other)
    {
        var w = Math.Min(X + Width, other.X + other.Width) - Math.Max(X, other.X);
        var h = Math.Min(Y + Height, other.Y + other.Height) - Math.Max(Y, other.Y);
        var inter = Math.Max(0, w) * Math.Max(0, h);
        var union = Area + other.Area - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
