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

    [NodeFact]
    public void SsdMobilenetv1MatchesFaceApi()
    {
        using var net = SsdMobilenetv1.Load(FaceData.ModelDir);
        Compare("ssd", image => net.LocateFaces(image, minConfidence: 0.5, maxResults: 100));
    }

    [NodeFact]
    public void TinyFaceDetectorMatchesFaceApi()
    {
        using var net = TinyFaceDetector.Load(FaceData.ModelDir);
        Compare("tiny", image => net.LocateFaces(image, inputSize: 416, scoreThreshold: 0.5));
    }

    private void Compare(string task, Func<TorchSharp.torch.Tensor, List<FaceDetection>> detect)
    {
        var pictures = Enumerable.Range(1, 6).Select(i => ImageIO.ReadFrame(FaceData.Sample(i))).ToList();
        var reference = FaceApiReference.Run(pictures, task);
        for (var i = 0; i < pictures.Count; i++)
        {
            using var image = pictures[i].ToTensor();
            var ours = detect(image);
            var theirs = reference[i].GetProperty(task).EnumerateArray().Select(Detection).ToList();
            Assert.NotEmpty(theirs);
            Assert.True(ours.Count == theirs.Count, $"{task} sample{i + 1}: {ours.Count} faces, face-api found {theirs.Count}");
            for (var j = 0; j < ours.Count; j++)
            {
                var iou = ours[j].IoU(theirs[j]);
                output.WriteLine($"{task} sample{i + 1} face {j}: IoU {iou:F6}, score {ours[j].Score:F6} vs {theirs[j].Score:F6}");
                Assert.True(iou >= MinIoU, $"{task} sample{i + 1} face {j}: IoU {iou:F4} < {MinIoU} ({ours[j]} vs {theirs[j]})");
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
