using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Vivify.Media;
using Vivify.Motion;
using static TorchSharp.torch;

namespace Vivify.Bench;

/// <summary>
/// bench/live: the Live tab's round trip as a user runs it: `vivify serve` as its own process (built CLI), a client on
/// loopback speaking the page's protocol (POST /api/live, then the WebSocket: one frame in flight, raw RGBA at the
/// model's size), the driving frames Megamind.avi's centre squares at 256×256, vox-256 with random weights, fp32 then
/// bf16. Frames/s and round-trip p50/p95 over a timed window after a warm-up; with VIVIFY_TRACE=1 in the server, where
/// its time per frame goes. The browser's own canvas work (a getImageData and a putImageData of 256×256) is not in it.
/// </summary>
public static class LiveReport
{
    private sealed record Result(string Precision, int Frames, double Seconds, double P50, double P95, double ServerMs, string Profile);

    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var seconds = quick ? 8 : 30;
        var root = OpsReport.RepoRoot();
        ServeProcess.Cli();
        var configPath = Path.Combine(root, "configs", "vox-256.yaml");
        var work = Directory.CreateTempSubdirectory("vivify-bench-live-").FullName;
        try
        {
            var models = Directory.CreateDirectory(Path.Combine(work, "models")).FullName;
            File.Copy(configPath, Path.Combine(models, "vox.yaml"));
            AnimateReport.WriteRandomCheckpoint(FommConfig.Load(configPath), Path.Combine(models, "vox.pth.tar"));
            var frames = DrivingFrames(120);
            var loadBefore = OpsReport.LoadAverage();
            var results = new List<Result>();
            foreach (var precision in new[] { "fp32", "bf16" })
            {
                var r = Measure(models, Path.Combine(work, "data"), precision, frames, seconds).GetAwaiter().GetResult();
                Console.WriteLine($"{precision}: {r.Frames / r.Seconds:F2} frames/s, round trip p50 {r.P50:F0} ms, p95 {r.P95:F0} ms, server {r.ServerMs:F0} ms a frame");
                results.Add(r);
            }
            var md = Markdown(results, seconds, loadBefore, OpsReport.LoadAverage());
            var outPath = Path.Combine(root, "bench", "live", quick ? "results-quick.md" : "results.md");
            File.WriteAllText(outPath, md);
            Console.WriteLine($"written {outPath}");
            return 0;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Centre squares of Megamind.avi at 256×256, as RGBA messages without their sequence number.</summary>
    private static List<byte[]> DrivingFrames(int count)
    {
        var frames = new List<byte[]>();
        foreach (var f in VideoSource.Open(Path.Combine(OpsReport.RepoRoot(), "data", "samples", "Megamind.avi")).Frames(0, count))
        {
            using var scope = NewDisposeScope();
            var rgb = RgbFrame.FromTensor(Geometry.Resize(Geometry.CenterSquare(f.ToTensor()), 256, 256)).Data;
            var message = new byte[4 + 256 * 256 * 4];
            for (int p = 4, q = 0; q < rgb.Length; p += 4, q += 3)
            {
                message[p] = rgb[q];
                message[p + 1] = rgb[q + 1];
                message[p + 2] = rgb[q + 2];
                message[p + 3] = 255;
            }
            frames.Add(message);
        }
        return frames;
    }

    private static async Task<Result> Measure(string models, string data, string precision, List<byte[]> frames, int seconds)
    {
        await using var serve = await ServeProcess.Start(models, data);
        var http = serve.Http;
        const string token = ServeProcess.Token;
        var port = serve.Port;
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(File.ReadAllBytes(Path.Combine(OpsReport.RepoRoot(), "data", "samples", "sample1.jpg"))), "source", "sample1.jpg" },
            { new StringContent("vox"), "model" },
            { new StringContent(precision), "precision" },
        };
        var created = await http.PostAsync("/api/live", form);
        var body = await created.Content.ReadAsStringAsync();
        if (created.StatusCode != HttpStatusCode.Created) throw new VivifyException($"POST /api/live: {(int)created.StatusCode} {body}");
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString();
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/api/live/{id}"), CancellationToken.None);
        var buffer = new byte[12 + 256 * 256 * 4 + 1024];
        var ready = Encoding.UTF8.GetString(buffer, 0, await ReceiveAsync(socket, buffer));
        if (!ready.Contains("\"ready\"", StringComparison.Ordinal)) throw new VivifyException("the live session did not start: " + ready);

        var roundTrips = new List<double>();
        var serverMs = new List<double>();
        var watch = new Stopwatch();
        int sequence = 0, warmup = 3;
        serve.ClearTrace();
        while (true)
        {
            if (sequence == warmup)
            {
                watch.Start();
                serve.ClearTrace();
            }
            if (watch.IsRunning && watch.Elapsed.TotalSeconds >= seconds) break;
            var message = frames[sequence % frames.Count];
            BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)sequence);
            var sent = Stopwatch.GetTimestamp();
            await socket.SendAsync(new ArraySegment<byte>(message), WebSocketMessageType.Binary, true, CancellationToken.None);
            var got = await ReceiveAsync(socket, buffer);
            if (got != 12 + 256 * 256 * 4) throw new VivifyException("unexpected answer: " + Encoding.UTF8.GetString(buffer, 0, Math.Min(got, 300)));
            if (sequence >= warmup)
            {
                roundTrips.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                serverMs.Add(BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(8)));
            }
            sequence++;
        }
        var elapsed = watch.Elapsed.TotalSeconds;
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        roundTrips.Sort();
        var profile = Profile(serve.Trace());
        return new Result(precision, roundTrips.Count, elapsed, Percentile(roundTrips, 0.5), Percentile(roundTrips, 0.95), serverMs.Average(), profile);
    }

    private static async Task<int> ReceiveAsync(ClientWebSocket socket, byte[] buffer)
    {
        var length = 0;
        WebSocketReceiveResult r;
        do
        {
            r = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), CancellationToken.None);
            length += r.Count;
        } while (!r.EndOfMessage);
        return length;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    /// <summary>Mean milliseconds between the server's trace marks of one frame: taken → keypoints → animated → sent.</summary>
    internal static string Profile(List<string> trace)
    {
        var steps = new Dictionary<string, List<double>>();
        double? previous = null;
        string? previousLabel = null;
        foreach (var line in trace)
        {
            // "vivify-trace:    1234 ms LABEL [thread]"
            var parts = line.Split(" ms ", 2);
            if (parts.Length != 2 || !parts[0].StartsWith("vivify-trace:", StringComparison.Ordinal)) continue;
            var ms = double.Parse(parts[0]["vivify-trace:".Length..].Trim(), CultureInfo.InvariantCulture);
            var label = parts[1][..parts[1].LastIndexOf(" [", StringComparison.Ordinal)];
            if (previousLabel is null && label != "live frame taken") continue; // a frame begun before the window
            if (label != "live frame taken" && previous is double p && previousLabel is not null)
            {
                var key = $"{previousLabel} → {label}";
                if (!steps.TryGetValue(key, out var list)) steps[key] = list = [];
                list.Add(ms - p);
            }
            previous = ms;
            previousLabel = label;
        }
        return string.Join("; ", steps.Select(s => $"{s.Key}: {s.Value.Average():F1} ms"));
    }

    private static string Markdown(List<Result> results, int seconds, string loadBefore, string loadAfter)
    {
        var md = new StringBuilder();
        md.AppendLine("# bench/live results");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {OpsReport.Machine()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        md.AppendLine("`dotnet run -c Release --project bench/Vivify.Bench -- live` (CLI built first): `vivify serve` as its own process with");
        md.AppendLine("VIVIFY_TRACE=1, a .NET client on loopback speaking the Live tab's protocol (one frame in flight, raw RGBA 256×256 both");
        md.AppendLine(CultureInfo.InvariantCulture, $"ways), Megamind.avi's centre squares as the camera, vox-256 (configs/vox-256.yaml) with random weights (batch norms holding sample frames' statistics), relative mode;");
        md.AppendLine(CultureInfo.InvariantCulture, $"3 warm-up frames, then {seconds} s timed. The browser's own work is not in it: [browser-results.md](browser-results.md) measures the page in chromium.");
        md.AppendLine();
        md.AppendLine("| precision | frames | frames/s | round trip p50 | round trip p95 | server time a frame | target (≥ 5 frames/s, p95 ≤ 400 ms) |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in results)
        {
            var fps = r.Frames / r.Seconds;
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Precision} | {r.Frames} | {fps:F2} | {r.P50:F0} ms | {r.P95:F0} ms | {r.ServerMs:F0} ms | {(fps >= 5 && r.P95 <= 400 ? "met" : "**not met**")} |");
        }
        md.AppendLine();
        md.AppendLine("Where the server's time per frame goes (VIVIFY_TRACE marks, mean over the timed frames):");
        md.AppendLine();
        foreach (var r in results) md.AppendLine(CultureInfo.InvariantCulture, $"- {r.Precision}: {r.Profile}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Load average (1, 5, 15 min) before: {loadBefore}; after: {loadAfter} ({Environment.ProcessorCount} cores): above about 2 the machine was shared with other work while measuring.");
        return md.ToString();
    }
}
