using Vivify.Media;
using Vivify.Faces;
using static TorchSharp.torch;

namespace Vivify.Heads;

/// <summary>
/// The paper's evaluation measures (Zakharov et al. Sec. 4.1) where their networks are available: SSIM (Vivify.Media's
/// <see cref="ImageMetrics.Ssim"/>: Wang et al. 2004, 11×11 Gaussian window), the landmark error between the landmarks
/// that drove a frame and those face-api finds in the generated frame, normalised by the inter-ocular distance (outer eye
/// corners 36 and 45 of the driving landmarks), and CSIM, the cosine similarity of face-api's 128-D face descriptors
/// (FaceRecognitionNet; the paper used ArcFace, not available here).
/// </summary>
public static class HeadsMetrics
{
    public static double Ssim(Tensor image, Tensor reference) => ImageMetrics.Ssim(image, reference);

    public static double L1(Tensor image, Tensor reference)
    {
        using var d = (image - reference).abs().mean();
        return d.item<float>();
    }

    /// <summary>Mean point distance between two [68,2] landmark sets divided by the distance of <paramref name="reference"/>'s outer eye corners.</summary>
    public static double LandmarkError(float[,] landmarks, float[,] reference)
    {
        double iod = EyeCornerDistance(reference);
        if (!(iod > 0)) throw new ArgumentException("landmark error: the reference's eye corners coincide");
        double sum = 0;
        for (int i = 0; i < 68; i++)
            sum += Math.Sqrt(Math.Pow(landmarks[i, 0] - reference[i, 0], 2) + Math.Pow(landmarks[i, 1] - reference[i, 1], 2));
        return sum / 68 / iod;
    }

    /// <summary>The distance between the outer eye corners (points 36 and 45) of a [68,2] landmark set.</summary>
    public static double EyeCornerDistance(float[,] landmarks) =>
        Math.Sqrt(Math.Pow(landmarks[45, 0] - landmarks[36, 0], 2) + Math.Pow(landmarks[45, 1] - landmarks[36, 1], 2));

    /// <summary>The landmark error of a generated frame ([3,H,W]) against the landmarks that drove it; NaN when face-api finds no face in it.</summary>
    public static double LandmarkError(FaceAnalyzer analyzer, Tensor generated, float[,] driving)
    {
        var faces = analyzer.DetectWithLandmarks(generated);
        return faces.Count == 0 ? double.NaN : LandmarkError(faces[0].Landmarks, driving);
    }

    /// <summary>CSIM: cos(a, b) of two descriptors.</summary>
    public static double Csim(Tensor a, Tensor b)
    {
        using var c = nn.functional.cosine_similarity(a.flatten(), b.flatten(), dim: 0);
        return c.item<float>();
    }

    /// <summary>CSIM of the largest faces of two pictures ([3,H,W]); NaN when either has none.</summary>
    public static double Csim(FaceAnalyzer analyzer, FaceRecognitionNet net, Tensor image, Tensor reference)
    {
        var a = analyzer.Detect(image).OrderByDescending(d => d.Width * d.Height).FirstOrDefault();
        var b = analyzer.Detect(reference).OrderByDescending(d => d.Width * d.Height).FirstOrDefault();
        if (a is null || b is null) return double.NaN;
        using var da = FineTuneShots.Descriptor(net, image, a);
        using var db = FineTuneShots.Descriptor(net, reference, b);
        return Csim(da, db);
    }
}
