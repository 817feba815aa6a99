using System.Text;
using Xunit;

namespace Vivify.Faces.Tests;

public class TfjsWeightsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-tfjs-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    // Group 1 spans two shards: float32 [2,2], uint8-quantised float32 [3], int32 [2].
    // Group 2: uint16-quantised float32 [2], float16 [2], uint8-quantised int32 [2], bool [3].
    private const string Manifest = """
        [
          { "paths": ["m.bin1", "m.bin2"], "weights": [
            { "name": "a/filters", "shape": [2, 2], "dtype": "float32" },
            { "name": "a/bias", "shape": [3], "dtype": "float32", "quantization": { "dtype": "uint8", "scale": 0.5, "min": -1.0 } },
            { "name": "a/idx", "shape": [2], "dtype": "int32" } ] },
          { "paths": ["n.bin"], "weights": [
            { "name": "b/w", "shape": [2], "dtype": "float32", "quantization": { "dtype": "uint16", "scale": 0.25, "min": 2.0 } },
            { "name": "b/h", "shape": [2], "dtype": "float32", "quantization": { "dtype": "float16" } },
            { "name": "b/q", "shape": [2], "dtype": "int32", "quantization": { "dtype": "uint8", "scale": 0.5, "min": 1.0 } },
            { "name": "b/m", "shape": [3], "dtype": "bool" } ] }
        ]
        """;

    private string WriteModel(int truncateSecondShard = 0)
    {
        var g1 = new List<byte>();
        foreach (var f in new[] { 1.5f, -2f, 0.25f, 8f }) g1.AddRange(BitConverter.GetBytes(f));
        g1.AddRange(new byte[] { 0, 3, 255 });
        g1.AddRange(BitConverter.GetBytes(7));
        g1.AddRange(BitConverter.GetBytes(-9));
        var g2 = new List<byte>();
        g2.AddRange(BitConverter.GetBytes((ushort)4));
        g2.AddRange(BitConverter.GetBytes((ushort)65535));
        g2.AddRange(BitConverter.GetBytes((Half)0.5f));
        g2.AddRange(BitConverter.GetBytes((Half)(-3f)));
        g2.AddRange(new byte[] { 3, 4 });
        g2.AddRange(new byte[] { 1, 0, 2 });
        File.WriteAllBytes(Path.Combine(_dir, "m.bin1"), g1.Take(10).ToArray());
        File.WriteAllBytes(Path.Combine(_dir, "m.bin2"), g1.Skip(10).SkipLast(truncateSecondShard).ToArray());
        File.WriteAllBytes(Path.Combine(_dir, "n.bin"), g2.ToArray());
        var path = Path.Combine(_dir, "m-weights_manifest.json");
        File.WriteAllText(path, Manifest, Encoding.UTF8);
        return path;
    }

    [Fact]
    public void ReadsEveryDtypeAcrossShardsAndDequantises()
    {
        var w = TfjsWeights.Read(WriteModel());
        Assert.Equal(["a/filters", "a/bias", "a/idx", "b/w", "b/h", "b/q", "b/m"], w.Keys);
        Assert.Equal([2L, 2L], w["a/filters"].Shape);
        Assert.Equal([1.5f, -2f, 0.25f, 8f], w["a/filters"].Floats!);
        Assert.Equal([-1f, 0.5f, 126.5f], w["a/bias"].Floats!);          // q * 0.5 - 1
        Assert.Equal([7, -9], w["a/idx"].Ints!);
        Assert.Equal([3f, 65535 * 0.25f + 2f], w["b/w"].Floats!);         // q * 0.25 + 2
        Assert.Equal([0.5f, -3f], w["b/h"].Floats!);
        Assert.Equal([3, 3], w["b/q"].Ints!);                              // round(2.5) = 3 (halves up), round(3.0) = 3
        Assert.Equal([1, 0, 1], w["b/m"].Ints!);
        using var t = w["a/filters"].ToTensor();
        Assert.Equal([2L, 2L], t.shape);
        Assert.Equal(8f, t[1, 1].item<float>());
    }

    [Fact]
    public void MissingShardNamesTheFile()
    {
        var manifest = WriteModel();
        File.Delete(Path.Combine(_dir, "m.bin2"));
        var e = Assert.Throws<ModelMismatchException>(() => TfjsWeights.Read(manifest));
        Assert.Contains(manifest, e.Message);
        Assert.Contains("m.bin2", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ShortShardIsASizeMismatch()
    {
        var manifest = WriteModel(truncateSecondShard: 2);
        var e = Assert.Throws<ModelMismatchException>(() => TfjsWeights.Read(manifest));
        Assert.Contains(manifest, e.Message);
        Assert.Contains("m.bin1, m.bin2", e.Message);
    }

    [Fact]
    public void LongShardIsASizeMismatch()
    {
        var manifest = WriteModel();
        File.AppendAllText(Path.Combine(_dir, "n.bin"), "xx");
        var e = Assert.Throws<ModelMismatchException>(() => TfjsWeights.Read(manifest));
        Assert.Contains("n.bin hold 15 bytes but the weights need 13", e.Message);
    }

    [Fact]
    public void MissingManifestAndBadJsonAreOneLineErrors()
    {
        var missing = Path.Combine(_dir, "none-weights_manifest.json");
        Assert.Contains("make setup", Assert.Throws<InvalidInputException>(() => TfjsWeights.Read(missing)).Message);
        var bad = Path.Combine(_dir, "bad-weights_manifest.json");
        File.WriteAllText(bad, "{ not json");
        var e = Assert.Throws<ModelMismatchException>(() => TfjsWeights.Read(bad));
        Assert.StartsWith(bad + ": not a TensorFlow.js weight manifest", e.Message);
    }

    [Fact]
    public void RequireChecksNameAndShape()
    {
        var w = TfjsWeights.Read(WriteModel());
        Assert.Same(w["a/bias"], w.Require("a/bias", [3], "m"));
        Assert.Contains("'a/bias' has shape [3], expected [4]", Assert.Throws<ModelMismatchException>(() => w.Require("a/bias", [4], "m")).Message);
        Assert.Contains("'a/none' is missing", Assert.Throws<ModelMismatchException>(() => w.Require("a/none", [4], "m")).Message);
    }

    [Theory]
    [InlineData("age_gender_model", 51)]
    [InlineData("face_expression_model", 49)]
    [InlineData("face_landmark_68_model", 49)]
    [InlineData("face_landmark_68_tiny_model", 28)]
    [InlineData("face_recognition_model", 117)]
    [InlineData("ssd_mobilenetv1_model", 151)]
    [InlineData("tiny_face_detector_model", 19)]
    public void ReadsThePackageManifests(string model, int expectedCount)
    {
        var w = TfjsWeights.Read(Path.Combine(FaceData.ModelDir, model + "-weights_manifest.json"));
        Assert.Equal(expectedCount, w.Count);
        Assert.All(w.Values, x => Assert.Equal(x.Shape.Aggregate(1L, (a, b) => a * b), (long)(x.Floats?.Length ?? x.Ints!.Length)));
        Assert.All(w.Values, x => Assert.True(x.Floats is null || x.Floats.All(float.IsFinite), x.Name));
    }
}
