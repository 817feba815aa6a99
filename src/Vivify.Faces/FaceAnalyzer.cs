using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>Which face detector a <see cref="FaceAnalyzer"/> runs.</summary>
public enum FaceDetectorKind
{
    /// <summary>SSD MobileNet v1 (face-api's default; more accurate).</summary>
    Ssd,
    /// <summary>The tiny detector (faster, coarser boxes).</summary>
    Tiny,
}

/// <summary>A face found in a picture: the detection and its 68 landmarks [68,2] (x, y in the picture's pixels).</summary>
public sealed record FaceResult(FaceDetection Detection, float[,] Landmarks);

/// <summary>
/// face-api's <c>detectAllFaces(image, options).withFaceLandmarks(useTiny)</c>: detect, cut each face box out of the
/// picture (clipped to it and floored, as <c>extractFaceTensors</c> does), run the landmark network on the cut, and
/// shift the points by the detection box's corner. Holds the networks; dispose it when done.
/// </summary>
public sealed class FaceAnalyzer : IDisposable
{
    private readonly SsdMobilenetv1? _ssd;
    private readonly TinyFaceDetector? _tiny;
    private readonly nn.Module<Tensor, Tensor> _landmarks;

    public FaceAnalyzer(string modelDir, FaceDetectorKind detector = FaceDetectorKind.Ssd, bool tinyLandmarks = false)
    {
        if (detector == FaceDetectorKind.Ssd) _ssd = SsdMobilenetv1.Load(modelDir);
        else _tiny = TinyFaceDetector.Load(modelDir);
        _landmarks = tinyLandmarks ? FaceLandmark68TinyNet.Load(modelDir) : FaceLandmark68Net.Load(modelDir);
    }

    /// <summary>Detection options: the SSD's minimum confidence (0.5) or the tiny detector's score threshold (0.5) and input size (416).</summary>
    public double MinConfidence { get; init; } = 0.5;
    public int TinyInputSize { get; init; } = 416;

    /// <summary>The faces in <paramref name="image"/> ([3,H,W] RGB in [0,1]), best score first.</summary>
    public List<FaceDetection> Detect(Tensor image) =>
        _ssd is not null ? _ssd.LocateFaces(image, MinConfidence) : _tiny!.LocateFaces(image, TinyInputSize, MinConfidence);

    /// <summary>The faces in <paramref name="image"/> ([3,H,W] RGB in [0,1]) with their landmarks, best score first.</summary>
    public List<FaceResult> DetectWithLandmarks(Tensor image)
    {
        var results = new List<FaceResult>();
        foreach (var d in Detect(image))
        {
            var lm = Landmarks(image, d);
            if (lm is not null) results.Add(new FaceResult(d, lm));
        }
        return results;
    }

    /// <summary>The 68 landmarks of the face in <paramref name="box"/> of <paramref name="image"/>, in the picture's pixels;
    /// null when the box lies outside the picture.</summary>
    public float[,]? Landmarks(Tensor image, FaceDetection box)
    {
        long height = image.shape[1], width = image.shape[2];
        // face-api's Box.clipAtImageBorders, then floor.
        var cx = Math.Max(box.X, 0);
        var cy = Math.Max(box.Y, 0);
        var cw = Math.Min(box.X + box.Width - cx, width - cx);
        var ch = Math.Min(box.Y + box.Height - cy, height - cy);
        long x = (long)Math.Floor(cx), y = (long)Math.Floor(cy), w = (long)Math.Floor(cw), h = (long)Math.Floor(ch);
        if (w <= 0 || h <= 0) return null;
        using var scope = NewDisposeScope();
        var crop = image[.., (int)y..(int)(y + h), (int)x..(int)(x + w)];
        var points = FaceLandmarks.Detect(_landmarks, crop).data<float>().ToArray();
        var result = new float[68, 2];
        for (var i = 0; i < 68; i++)
        {
            result[i, 0] = (float)(points[2 * i] + box.X);
            result[i, 1] = (float)(points[2 * i + 1] + box.Y);
        }
        return result;
    }

    public void Dispose()
    {
        _ssd?.Dispose();
        _tiny?.Dispose();
        _landmarks.Dispose();
    }
}
