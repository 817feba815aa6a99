using System.Text.Json;
using Vivify.Media;
using Xunit;
using Xunit.Abstractions;

namespace Vivify.Faces.Tests;

/// <summary>The face detectors against face-api 1.7.15 under Node on the six whole sample portraits: the same faces in
/// the same order, each box with IoU ≥ 0.98 (issue 9).</summary>
[Trait("Category", "Parity")]
public class DetectionParityTests(ITestOutputHelper output)
{
    private const double MinIoU = 0.98;

    /// <summary>face-api's <c>detectAllFaces(image).withFaceLandmarks()</c>: the SSD's boxes and, for each face, the
    /// 68 landmarks of its cut-out in the whole picture's pixels (mean within 0.5 px).</summary>
    [NodeFact]
    public void SsdMobilenetv1WithLandmarksMatchesFaceApi()
    {
        using var analyzer = new FaceAnalyzer(FaceData.ModelDir, FaceDetectorKind.Ssd);
        var landmarks = new Dictionary<FaceDetection, float[,]>(ReferenceEqualityComparer.Instance);
        Compare("ssdLandmarks", image =>
        {
            var faces = analyzer.DetectWithLandmarks(image);
            foreach (var f in faces) landmarks[f.Detection] = f.Landmarks;
            return faces.Select(f => f.Detection).ToList();
        }, (ours, theirs, label) =>
        {
            var pts = theirs.GetProperty("landmarks").EnumerateArray().Select(p => p.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
            var mine = landmarks[ours];
            var mean = Enumerable.Range(0, 68).Average(k => Math.Sqrt(Math.Pow(mine[k, 0] - pts[k][0], 2) + Math.Pow(mine[k, 1] - pts[k][1], 2)));
            output.WriteLine($"{label}: landmarks mean {mean:E2} px");
            Assert.True(mean <= 0.5, $"{label}: mean landmark distance {mean:F4} px > 0.5 px");
        });
    }

    [NodeFact]
    public void TinyFaceDetectorMatchesFaceApi()
    {
        using var net = TinyFaceDetector.Load(FaceData.ModelDir);
        Compare("tiny", image => net.LocateFaces(image, inputSize: 416, scoreThreshold: 0.5));
    }

    private void Compare(string task, Func<TorchSharp.torch.Tensor, List<FaceDetection>> detect, Action<FaceDetection, JsonElement, string>? alsoCheck = null)
    {
        var pictures = Enumerable.Range(1, 6).Select(i => ImageIO.ReadFrame(FaceData.Sample(i))).ToList();
        var reference = FaceApiReference.Run(pictures, task);
        for (var i = 0; i < pictures.Count; i++)
        {
            using var image = pictures[i].ToTensor();
            var ours = detect(image);
            var theirsJson = reference[i].GetProperty(task).EnumerateArray().ToList();
            var theirs = theirsJson.Select(Detection).ToList();
            Assert.NotEmpty(theirs);
            Assert.True(ours.Count == theirs.Count, $"{task} sample{i + 1}: {ours.Count} faces, face-api found {theirs.Count}");
            for (var j = 0; j < ours.Count; j++)
            {
                var iou = ours[j].IoU(theirs[j]);
                output.WriteLine($"{task} sample{i + 1} face {j}: IoU {iou:F6}, score {ours[j].Score:F6} vs {theirs[j].Score:F6}");
                Assert.True(iou >= MinIoU, $"{task} sample{i + 1} face {j}: IoU {iou:F4} < {MinIoU} ({ours[j]} vs {theirs[j]})");
                alsoCheck?.Invoke(ours[j], theirsJson[j], $"{task} sample{i + 1} face {j}");
            }
        }
    }

    private static FaceDetection Detection(JsonElement d)
    {
        var b = d.GetProperty("box");
        return new FaceDetection(d.GetProperty("score").GetDouble(), b.GetProperty("x").GetDouble(), b.GetProperty("y").GetDouble(),
            b.GetProperty("width").GetDouble(), b.GetProperty("height").GetDouble());
    }
}
