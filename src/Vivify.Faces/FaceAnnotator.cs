using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// The faces of frames one by one (boxes, or boxes and 68 landmarks), smoothed over a video's frames when given a
/// <see cref="FaceTracker"/>, with an overlay that draws them over the frame.
/// </summary>
public sealed class FaceAnnotator(FaceAnalyzer analyzer, bool landmarks, FaceTracker? tracker = null)
{
    /// <summary>The faces of <paramref name="frame"/> (landmarks null unless asked for) and the frame with them drawn.</summary>
    public (List<FaceResult> Faces, RgbFrame Overlay) Annotate(RgbFrame frame)
    {
        using var scope = NewDisposeScope();
        var image = frame.ToTensor();
        var faces = landmarks ? analyzer.DetectWithLandmarks(image) : analyzer.Detect(image).Select(d => new FaceResult(d, null!)).ToList();
        if (tracker is not null) faces = tracker.Smooth(faces);
        var overlay = FaceOverlay.Draw(image, faces.Select(f => f.Detection), landmarks ? faces.Select(f => f.Landmarks) : null);
        return (faces, RgbFrame.FromTensor(overlay));
    }
}
