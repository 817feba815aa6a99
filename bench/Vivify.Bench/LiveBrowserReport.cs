using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Playwright;
using Vivify.Motion;

namespace Vivify.Bench;

/// <summary>
/// bench/live in a real browser: the Live tab of the studio page in Debian's chromium (driven by Playwright, as the
/// browser tests drive it), its camera chromium's fake capture device playing Megamind.avi at 640×480, against
/// `vivify serve` as its own process with vox-256 (random weights); the page's own figures (frames received a second,
/// round trip p50 and p95 of its last 200 frames) after a warm-up, over a window long enough that those 200 frames are
/// all in it at 5 frames/s. Everything the page does per frame is in it: the camera's centre square drawn and read
/// back, the WebSocket both ways, the answer drawn.
/// </summary>
public static class LiveBrowserReport
{
    private const string Chromium = "/usr/bin/chromium";

    private sealed record Result(string Precision, long Frames, double Seconds, double P50, double P95, string PageText, string Profile);

    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var seconds = quick ? 10 : Array.IndexOf(args, "--seconds") is var k and >= 0 && k + 1 < args.Length ? int.Parse(args[k + 1], CultureInfo.InvariantCulture) : 45;
        if (!File.Exists(Chromium)) throw new VivifyException($"{Chromium} is missing: run make setup (it installs Debian's chromium)");
        ServeProcess.Cli();
        var root = OpsReport.RepoRoot();
        var configPath = Path.Combine(root, "configs", "vox-256.yaml");
        var work = Directory.CreateTempSubdirectory("vivify-bench-live-browser-").FullName;
        try
        {
            var models = Directory.CreateDirectory(Path.Combine(work, "models")).FullName;
            File.Copy(configPath, Path.Combine(models, "vox.yaml"));
            AnimateReport.WriteRandomCheckpoint(FommConfig.Load(configPath), Path.Combine(models, "vox.pth.tar"));
            var camera = Path.Combine(work, "camera.y4m");
            using (var ffmpeg = Process.Start("ffmpeg", ["-v", "error", "-y", "-i", Path.Combine(root, "data", "samples", "Megamind.avi"),
                "-frames:v", "150", "-vf", "scale=640:480,fps=25", "-pix_fmt", "yuv420p", camera])!)
            {
                ffmpeg.WaitForExit();
                if (ffmpeg.ExitCode != 0) throw new VivifyException("ffmpeg could not make the camera's clip from data/samples/Megamind.avi: run make demo first");
            }
            var loadBefore = OpsReport.LoadAverage();
            var results = new List<Result>();
            var only = Array.IndexOf(args, "--precision") is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
            foreach (var precision in only is null ? ["fp32", "bf16"] : new[] { only })
            {
                var r = Measure(models, Path.Combine(work, "data"), camera, precision, seconds).GetAwaiter().GetResult();
                Console.WriteLine($"{precision}: {r.Frames / r.Seconds:F2} frames/s, round trip p50 {r.P50:F0} ms, p95 {r.P95:F0} ms (page: {r.PageText})");
                results.Add(r);
            }
            var outPath = Path.Combine(root, "bench", "live", quick ? "browser-results-quick.md" : "browser-results.md");
            File.WriteAllText(outPath, Markdown(results, seconds, loadBefore, OpsReport.LoadAverage()));
            Console.WriteLine($"written {outPath}");
            return 0;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<Result> Measure(string models, string data, string camera, string precision, int seconds)
    {
        await using var serve = await ServeProcess.Start(models, data);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--use-file-for-fake-video-capture=" + camera],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
        await page.GotoAsync($"{serve.Address}/?token={ServeProcess.Token}");
        await page.ClickAsync("#tab-live");
        await page.WaitForSelectorAsync("#live-model option[value='vox']", new() { State = WaitForSelectorState.Attached });
        await page.SelectOptionAsync("#live-model", "vox");
        await page.SelectOptionAsync("#live-precision", precision);
        await page.SetInputFilesAsync("#live-source", Path.Combine(OpsReport.RepoRoot(), "data", "samples", "sample1.jpg"));
        await page.ClickAsync("#live-start");
        // Warm-up: the model loads and its first frames run (their weights are laid out, its memory grows).
        await page.WaitForFunctionAsync("() => Number(document.getElementById('live-stats').dataset.frames || 0) >= 8", null, new() { Timeout = 180_000 });
        if (await page.IsVisibleAsync("#live-error")) throw new VivifyException("the Live tab shows an error: " + await page.TextContentAsync("#live-error"));
        const string mark = "() => [Number(document.getElementById('live-stats').dataset.frames), performance.now()]";
        var start = await page.EvaluateAsync<double[]>(mark);
        serve.ClearTrace();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var end = await page.EvaluateAsync<double[]>(mark);
        var profile = LiveReport.Profile(serve.Trace());
        var stats = page.Locator("#live-stats");
        var p50 = double.Parse(await stats.GetAttributeAsync("data-p50") ?? "NaN", CultureInfo.InvariantCulture);
        var p95 = double.Parse(await stats.GetAttributeAsync("data-p95") ?? "NaN", CultureInfo.InvariantCulture);
        var text = await stats.TextContentAsync() ?? "";
        var shots = Directory.CreateDirectory(Path.Combine(OpsReport.RepoRoot(), "out", "bench-live")).FullName;
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, $"live-{precision}.png"), FullPage = true });
        await page.ClickAsync("#live-stop");
        return new Result(precision, (long)(end[0] - start[0]), (end[1] - start[1]) / 1000, p50, p95, text, profile);
    }

    private static string Markdown(List<Result> results, int seconds, string loadBefore, string loadAfter)
    {
        var md = new StringBuilder();
        md.AppendLine("# bench/live results in the browser");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {OpsReport.Machine()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        md.AppendLine("`dotnet bench/Vivify.Bench/bin/Release/net10.0/Vivify.Bench.dll live-browser` (CLI built first): the studio page's Live tab in");
        md.AppendLine("Debian's chromium (Playwright, headless), its camera chromium's fake device playing Megamind.avi at 640×480, `vivify serve`");
        md.AppendLine("as its own process, vox-256 (configs/vox-256.yaml) with random weights (batch norms holding sample frames' statistics), relative mode. After 8 frames of warm-up,");
        md.AppendLine(CultureInfo.InvariantCulture, $"{seconds} s timed: frames/s from the page's frame count over the window; p50 and p95 are the page's own, over its last 200 round trips.");
        md.AppendLine();
        md.AppendLine("| precision | frames | frames/s | round trip p50 | round trip p95 | the page's line at the end | target (≥ 5 frames/s, p95 ≤ 400 ms) |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in results)
        {
            var fps = r.Frames / r.Seconds;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Precision} | {r.Frames} | {fps:F2} | {r.P50:F0} ms | {r.P95:F0} ms | {r.PageText} | {(fps >= 5 && r.P95 <= 400 ? "met" : "**not met**")} |");
        }
        md.AppendLine();
        md.AppendLine("Where the server's time per frame goes (VIVIFY_TRACE marks, mean over the timed frames):");
        md.AppendLine();
        foreach (var r in results) md.AppendLine(CultureInfo.InvariantCulture, $"- {r.Precision}: {r.Profile}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Load average (1, 5, 15 min) before: {loadBefore}; after: {loadAfter} ({Environment.ProcessorCount} cores): the browser, the server and the client share the cores.");
        return md.ToString();
    }
}
