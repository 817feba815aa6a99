using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vivify.Faces.Tests;

/// <summary>The 68-point landmark networks against face-api 1.7.15 under Node on the six sample portraits' face crops:
/// mean distance per point within 0.5 px (issue 9).</summary>
[Trait("Category", "Parity")]
public class LandmarkParityTests(ITestOutputHelper output)
{
    private const double MaxMeanPx = 0.5;

    [NodeFact]
    public void FullNetMatchesFaceApi() => Compare("landmarks68", FaceLandmark68Net.Load(FaceData.ModelDir));

    [NodeFact]
    public void TinyNetMatchesFaceApi() => Compare("landmarks68tiny", FaceLandmark68TinyNet.Load(FaceData.ModelDir));

    private void Compare(string task, nn.Module<Tensor, Tensor> net)
    {
        using var _ = net;
        var crops = FaceApiReference.Crops.Select(FaceApiReference.Crop).ToList();
        var reference = FaceApiReference.Run(crops, task);
        for (var i = 0; i < crops.Count; i++)
        {
            using var scope = NewDisposeScope();
            using var crop = crops[i].ToTensor();
            var ours = FaceLandmarks.Detect(net, crop);
            Assert.Equal([68L, 2L], ours.shape);
            var theirs = tensor(reference[i].GetProperty(task).EnumerateArray()
                .SelectMany(p => p.EnumerateArray().Select(v => (float)v.GetDouble())).ToArray(), [68L, 2L]);
            var dist = (ours - theirs).pow(2).sum(1).sqrt();
            double mean = dist.mean().item<float>(), max = dist.max().item<float>();
            output.WriteLine($"{task} sample{FaceApiReference.Crops[i].Sample}: mean {mean:E2} px, max {max:E2} px");
            Assert.True(mean <= MaxMeanPx, $"{task} sample{FaceApiReference.Crops[i].Sample}: mean landmark distance {mean:F4} px > {MaxMeanPx} px (max {max:F4})");
        }
    }
}
