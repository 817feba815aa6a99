using System.Diagnostics;
using System.Text.Json;
using Vivify.Media;
using Xunit;

namespace Vivify.Faces.Tests;

/// <summary>Runs reference/face-api-reference.js (face-api 1.7.15 with its bundled tfjs, CPU backend) under Node.</summary>
internal static class FaceApiReference
{
    /// <summary>The sample portraits' faces as fixed crops (x, y, width, height): the most confident face face-api's SSD
    /// MobileNet v1 found in each (rounded), so every crop is a real, non-square face.</summary>
    public static readonly (int Sample, int X, int Y, int W, int H)[] Crops =
    [
        (1, 414, 355, 177, 239),
        (2, 1447, 154, 193, 242),
        (3, 585, 329, 199, 271),
        (4, 664, 52, 187, 258),
        (5, 787, 108, 156, 212),
        (6, 681, 320, 160, 308),
    ];

    /// <summary>The crop's pixels (RGB bytes, row-major) and size.</summary>
    public static RgbFrame Crop((int Sample, int X, int Y, int W, int H) c)
    {
        var frame = ImageIO.ReadFrame(FaceData.Sample(c.Sample));
        var data = new byte[c.W * c.H * 3];
        for (var y = 0; y < c.H; y++)
            Array.Copy(frame.Data, ((c.Y + y) * frame.Width + c.X) * 3, data, y * c.W * 3, c.W * 3);
        return new RgbFrame(c.W, c.H, data);
    }

    /// <summary>Runs the reference on the pictures with the tasks; returns each picture's result object.</summary>
    public static IReadOnlyList<JsonElement> Run(IReadOnlyList<RgbFrame> pictures, params string[] tasks)
    {
        var dir = Directory.CreateTempSubdirectory("vivify-faceapi-").FullName;
        try
        {
            var images = new List<object>();
            for (var i = 0; i < pictures.Count; i++)
            {
                File.WriteAllBytes(Path.Combine(dir, $"{i}.rgb"), pictures[i].Data);
                images.Add(new { path = $"{i}.rgb", width = pictures[i].Width, height = pictures[i].Height, tasks });
            }
            var request = Path.Combine(dir, "request.json");
            File.WriteAllText(request, JsonSerializer.Serialize(new { images }));
            var output = Path.Combine(dir, "out.json");
            var psi = new ProcessStartInfo(FaceData.Node) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { FaceData.ReferenceScript, FaceData.PackageDir, FaceData.ModelDir, request, output }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"node face-api-reference.js failed ({p.ExitCode}): {stderr}{stdout.Result}");
            using var doc = JsonDocument.Parse(File.ReadAllBytes(output));
            Assert.Equal("1.7.15", doc.RootElement.GetProperty("faceapi").GetString());
            Assert.Equal("cpu", doc.RootElement.GetProperty("backend").GetString());
            return doc.RootElement.GetProperty("results").EnumerateArray().Select(e => e.Clone()).ToList();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
