using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vivify.Faces.Tests;

/// <summary>FaceRecognitionNet against face-api 1.7.15 under Node on the six sample crops: cosine ≥ 0.999 (issue 9).</summary>
[Trait("Category", "Parity")]
public class DescriptorParityTests(ITestOutputHelper output)
{
    private const double MinCosine = 0.999;

    [NodeFact]
    public void DescriptorsMatchFaceApi()
    {
        using var net = FaceRecognitionNet.Load(FaceData.ModelDir);
        var crops = FaceApiReference.Crops.Select(FaceApiReference.Crop).ToList();
        var reference = FaceApiReference.Run(crops, "descriptor");
        var ours = new List<Tensor>();
        try
        {
            for (var i = 0; i < crops.Count; i++)
            {
                using var crop = crops[i].ToTensor();
                var d = net.ComputeFaceDescriptor(crop);
                ours.Add(d);
                Assert.Equal([128L], d.shape);
                using var theirs = tensor(reference[i].GetProperty("descriptor").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray());
                using var cos = nn.functional.cosine_similarity(d, theirs, dim: 0);
                var cosine = cos.item<float>();
                var distance = FaceRecognitionNet.Distance(d, theirs);
                output.WriteLine($"sample{FaceApiReference.Crops[i].Sample}: cosine {cosine:F7}, Euclidean distance {distance:E2}");
                Assert.True(cosine >= MinCosine, $"sample{FaceApiReference.Crops[i].Sample}: descriptor cosine {cosine:F6} < {MinCosine}");
            }
            // Each descriptor matches itself by face-api's 0.6 threshold; the pairwise distances are reported (the crops
            // are unaligned detector boxes, so different people may come closer than 0.6).
            for (var i = 0; i < ours.Count; i++)
            {
                Assert.True(FaceRecognitionNet.IsMatch(ours[i], ours[i]));
                for (var j = i + 1; j < ours.Count; j++)
                    output.WriteLine($"distance sample{i + 1}–sample{j + 1}: {FaceRecognitionNet.Distance(ours[i], ours[j]):F3}");
            }
        }
        finally
        {
            foreach (var d in ours) d.Dispose();
        }
    }
}
