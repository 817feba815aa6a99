using System.Net;
using Microsoft.Playwright;
using Vivify.Cli.Tests;
using Vivify.TestSupport;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>
/// The studio page in a real browser: Debian's chromium (/usr/bin/chromium, make setup installs it) driven by
/// Microsoft.Playwright, headless, with a fresh profile, never a downloaded browser. Screenshots go to out/serve/.
/// </summary>
public class BrowserTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";
    internal static readonly string Screenshots = Path.Combine(Fixtures.RepoRoot, "out", "serve");

    internal static async Task<(IPlaywright, IBrowser)> Launch(params string[] extraArgs)
    {
        if (!File.Exists(Chromium)) throw new InvalidOperationException($"{Chromium} is missing: run make setup (it installs Debian's chromium)");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true, // Playwright adds --headless and a fresh, empty user-data-dir of its own
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", .. extraArgs],
        });
        return (playwright, browser);
    }

    /// <summary>Opens the page with its token; every request the page makes is recorded.</summary>
    internal static async Task<(IPage Page, List<string> Requests)> Open(IBrowser browser, ServerHarness h)
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
        var requests = new List<string>();
        page.Request += (_, r) => { lock (requests) requests.Add(r.Url); };
        var response = await page.GotoAsync(h.Server.PageAddress);
        Assert.Equal((int)HttpStatusCode.OK, response!.Status);
        Assert.Equal(h.Server.Address + "/", page.Url); // the token left the address bar
        return (page, requests);
    }

    internal static void AssertOnlyThisServer(ServerHarness h, List<string> requests)
    {
        lock (requests)
            Assert.All(requests, url => Assert.True(url.StartsWith(h.Server.Address + "/", StringComparison.Ordinal) || url.StartsWith("blob:", StringComparison.Ordinal), url));
    }

    [Fact]
    public async Task Faces_tab_draws_the_boxes_and_landmarks_of_the_sample_picture()
    {
        await using var h = await ServerHarness.Start();
        var (playwright, browser) = await Launch();
        using (playwright)
        await using (browser)
        {
            var (page, requests) = await Open(browser, h);
            await page.ClickAsync("#tab-faces");
            Assert.True(await page.IsVisibleAsync("#panel-faces"));
            Assert.False(await page.IsVisibleAsync("#panel-animate"));
            await page.SetInputFilesAsync("#faces-image", TinyMotionModel.Sample("sample1.jpg"));
            await page.ClickAsync("#faces-start");
            await page.WaitForSelectorAsync("#faces-summary[data-faces]", new() { Timeout = 60_000 });
            Assert.Equal("3 faces found", await page.TextContentAsync("#faces-summary"));
            Directory.CreateDirectory(Screenshots);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "faces.png"), FullPage = true });

            // The drawing: the canvas has the picture's size, and the nose tip (landmark 30) is painted red.
            var expected = await ServerHarness.Json(await h.Client.PostAsync("/api/faces", ServerHarness.Form([("image", "x.jpg", ServerHarness.Portrait())])));
            var nose = expected.GetProperty("faces")[0].GetProperty("landmarks")[30];
            var size = await page.EvalOnSelectorAsync<int[]>("#faces-canvas", "c => [c.width, c.height]");
            Assert.Equal([expected.GetProperty("width").GetInt32(), expected.GetProperty("height").GetInt32()], size);
            var rgba = await page.EvalOnSelectorAsync<int[]>("#faces-canvas",
                "(c, p) => Array.from(c.getContext('2d').getImageData(Math.round(p[0]), Math.round(p[1]), 1, 1).data)",
                new[] { nose[0].GetDouble(), nose[1].GetDouble() });
            output.WriteLine($"pixel at the nose tip: {string.Join(",", rgba)}");
            Assert.True(rgba[0] > 200 && rgba[1] < 100 && rgba[2] < 100, $"rgba {string.Join(",", rgba)} is not the landmarks' red");
            Assert.False(await page.IsVisibleAsync("#faces-error"));
            AssertOnlyThisServer(h, requests);
        }
    }

    [Fact]
    public async Task Animate_tab_runs_a_tiny_model_and_the_result_plays_in_the_page()
    {
        await using var h = await ServerHarness.Start(tinyModel: true);
        var clip = Path.Combine(h.Root, "clip.mp4");
        await File.WriteAllBytesAsync(clip, h.DrivingClip(12));
        var (playwright, browser) = await Launch();
        using (playwright)
        await using (browser)
        {
            var (page, requests) = await Open(browser, h);
            await page.WaitForSelectorAsync("#animate-model option[value='tiny']", new() { State = WaitForSelectorState.Attached });
            await page.SetInputFilesAsync("#animate-source", TinyMotionModel.Sample("sample1.jpg"));
            await page.SetInputFilesAsync("#animate-driving", clip);
            await page.SelectOptionAsync("#animate-model", "tiny");
            await page.ClickAsync("#animate-start");
            await page.WaitForSelectorAsync("#animate-state[data-state='done']", new() { Timeout = 120_000 });
            await page.WaitForFunctionAsync("() => { const v = document.getElementById('animate-video'); return v.readyState >= 1 && v.duration > 0; }",
                null, new() { Timeout = 30_000 });
            var duration = await page.EvalOnSelectorAsync<double>("#animate-video", "v => v.duration");
            var (width, height) = (await page.EvalOnSelectorAsync<int>("#animate-video", "v => v.videoWidth"), await page.EvalOnSelectorAsync<int>("#animate-video", "v => v.videoHeight"));
            output.WriteLine($"result video: {duration} s, {width}x{height}");
            Assert.InRange(duration, 0.3, 1.0); // 12 frames at Megamind's 23.98 fps
            Assert.Equal((64, 64), (width, height));
            Assert.True(await page.IsVisibleAsync("#animate-download"));
            Assert.EndsWith("/result", await page.GetAttributeAsync("#animate-download", "href"));
            Assert.False(await page.IsVisibleAsync("#animate-error"));
            await page.EvalOnSelectorAsync("#animate-video",
                "v => new Promise(done => { v.pause(); v.addEventListener('seeked', done, { once: true }); v.currentTime = v.duration / 2; })");
            Directory.CreateDirectory(Screenshots);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "animate.png"), FullPage = true });
            AssertOnlyThisServer(h, requests);
        }
    }

    [Fact]
    public async Task A_bad_upload_shows_the_servers_one_line_error_in_the_page()
    {
        await using var h = await ServerHarness.Start(tinyModel: true);
        var fake = Path.Combine(h.Root, "holiday.mp4");
        await File.WriteAllTextAsync(fake, "not a video at all");
        var (playwright, browser) = await Launch();
        using (playwright)
        await using (browser)
        {
            var (page, _) = await Open(browser, h);
            await page.WaitForSelectorAsync("#animate-model option[value='tiny']", new() { State = WaitForSelectorState.Attached });
            await page.SetInputFilesAsync("#animate-source", TinyMotionModel.Sample("sample1.jpg"));
            await page.SetInputFilesAsync("#animate-driving", fake);
            await page.ClickAsync("#animate-start");
            await page.WaitForSelectorAsync("#animate-error:not([hidden])");
            Assert.Equal("driving: not a video that can be decoded; upload an mp4, webm, mov, avi or mkv", await page.TextContentAsync("#animate-error"));
            Assert.True(await page.IsEnabledAsync("#animate-start"));
            Assert.Empty(h.DataFiles());
        }
    }
}
