using System.Globalization;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Vivify.Faces;
using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Bench;

/// <summary>
/// Detection + 68 landmarks per 640×480 frame (data/samples/sample1.jpg scaled down): Vivify's <see cref="FaceAnalyzer"/>
/// with the SSD and with the tiny detector, then face-api 1.7.15 under Node (bench/faces/face-api-bench.js, bundled
/// tfjs, CPU backend) on the same frame on the same machine; writes bench/faces/results.md. <c>--quick</c>: 2 runs each.
/// </summary>
public static class FacesReport
{
    public static int Run(string[] args)
    {
        var iterations = args.Contains("--quick") ? 2 : 20;
        var root = OpsReport.RepoRoot();
        var modelDir = Path.Combine(root, "data", "face-api", "model");
        var pkgDir = Path.Combine(root, "build", ".cache", "face-api-node", "node_modules", "@vladmandic", "face-api");
        if (!Directory.Exists(modelDir) || !Directory.Exists(pkgDir))
        {
            Console.Error.WriteLine($"bench faces: {modelDir} or {pkgDir} is missing: run make setup");
            return 1;
        }
        var frame = Frame640x480(Path.Combine(root, "data", "samples", "sample1.jpg"));
        var ours = new Dictionary<string, (double Ms, int Faces)>();
        using (var image = frame.ToTensor())
        {
            foreach (var kind in new[] { FaceDetectorKind.Ssd, FaceDetectorKind.Tiny })
            {
                using var analyzer = new FaceAnalyzer(modelDir, kind);
                var faces = analyzer.DetectWithLandmarks(image).Count;   // warm-up
                var sw = Stopwatch.StartNew();
                for (var i = 0; i < iterations; i++)
                {
                    using var scope = NewDisposeScope();
                    analyzer.DetectWithLandmarks(image);
                }
                ours[kind == FaceDetectorKind.Ssd ? "ssd" : "tiny"] = (sw.Elapsed.TotalMilliseconds / iterations, faces);
            }
        }
        var node = RunNode(root, pkgDir, modelDir, frame, iterations);

        var md = new StringBuilder();
        md.AppendLine("# bench/faces results");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Detection + 68 landmarks (full landmark net) per 640×480 frame (sample1.jpg scaled), mean of {iterations} runs after one warm-up; " +
                      $"{Environment.ProcessorCount} cores, TorchSharp threads {get_num_threads()}; measured {DateTime.UtcNow:yyyy-MM-dd} by `make bench ARGS=faces`.");
        md.AppendLine("Reference: @vladmandic/face-api 1.7.15 with its bundled TensorFlow.js 4.22 (CPU backend) under Node " + (node?.Version ?? "(unavailable)") + ".");
        md.AppendLine();
        md.AppendLine("| detector | Vivify ms/frame | faces | face-api (Node) ms/frame | faces | Vivify speed-up |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var (name, (ms, faces)) in ours)
        {
            var theirs = node?.Results.GetValueOrDefault(name);
            md.AppendLine(theirs is { } t
                ? $"| {name} | {ms:F1} | {faces} | {t.Ms:F1} | {t.Faces} | {t.Ms / ms:F2}× |"
                : $"| {name} | {ms:F1} | {faces} | n/a | n/a | n/a |");
        }
        var text = md.ToString();
        Console.WriteLine(text);
        var outPath = Path.Combine(root, "bench", "faces", "results.md");
        File.WriteAllText(outPath, text);
        Console.WriteLine($"written {outPath}");
        return 0;
    }

    private static RgbFrame Frame640x480(string path)
    {
        using var scope = NewDisposeScope();
        var img = ImageIO.Read(path).unsqueeze(0);
        var scaled = nn.functional.interpolate(img, [480, 640], mode: InterpolationMode.Area)[0];
        return RgbFrame.FromTensor(scaled);
    }

    private static (string Version, Dictionary<string, (double Ms, int Faces)> Results)? RunNode(string root, string pkgDir, string modelDir, RgbFrame frame, int iterations)
    {
        var raw = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(raw, frame.Data);
            var psi = new ProcessStartInfo("/usr/bin/node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { Path.Combine(root, "bench", "faces", "face-api-bench.js"), pkgDir, modelDir, raw, "640", "480", iterations.ToString(CultureInfo.InvariantCulture) })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var json = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) { Console.Error.WriteLine($"bench faces: node failed: {stderr.Result}"); return null; }
            using var doc = JsonDocument.Parse(json);
            var faces = doc.RootElement.GetProperty("faces");
            var results = new Dictionary<string, (double, int)>();
            foreach (var name in new[] { "ssd", "tiny" })
                results[name] = (doc.RootElement.GetProperty(name).GetDouble(), faces.GetProperty(name).GetInt32());
            var version = Process.Start(new ProcessStartInfo("/usr/bin/node", "--version") { RedirectStandardOutput = true })!.StandardOutput.ReadToEnd().Trim();
            return (version, results);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine("bench faces: /usr/bin/node not found (apt-get install nodejs); reporting Vivify only");
            return null;
        }
        finally
        {
            File.Delete(raw);
        }
    }
}
