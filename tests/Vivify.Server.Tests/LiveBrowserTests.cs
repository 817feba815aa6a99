using Microsoft.Playwright;
using Vivify.Cli.Tests;
using Vivify.TestSupport;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>
/// The camera in a real browser: chromium's fake capture device playing a .y4m made at test time from Megamind.avi
/// (--use-fake-device-for-media-stream, --use-file-for-fake-video-capture; --use-fake-ui-for-media-stream grants the
/// permission). The Live tab with the tiny model, and a driving video recorded on the Animate tab.
/// </summary>
public class LiveBrowserTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static string FakeCamera(ServerHarness h)
    {
        var y4m = Path.Combine(h.Root, "camera.y4m");
        FfmpegRunner.Run("-i", TinyMotionModel.Sample("Megamind.avi"), "-frames:v", "90", "-vf", "scale=320:240,fps=15", "-pix_fmt", "yuv420p", y4m);
        return y4m;
    }

    private static Task<(IPlaywright, IBrowser)> LaunchWithCamera(ServerHarness h) => BrowserTests.Launch(
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--use-file-for-fake-video-capture=" + FakeCamera(h));

    [Fact]
    public async Task Live_tab_animates_the_picture_with_the_camera_and_reports_fps_and_latency()
    {
        await using var h = await ServerHarness.Start(tinyModel: true);
        var (playwright, browser) = await LaunchWithCamera(h);
        using (playwright)
        await using (browser)
        {
            var (page, requests) = await BrowserTests.Open(browser, h);
            await page.ClickAsync("#tab-live");
            Assert.True(await page.IsVisibleAsync("#panel-live"));
            await page.WaitForSelectorAsync("#live-model option[value='tiny']", new() { State = WaitForSelectorState.Attached });
            // bf16 by default where this CPU computes it faster than fp32, fp32 elsewhere.
            var precision = BFloat16Compute.FastOnThisCpu ? "bf16" : "fp32";
            await page.WaitForFunctionAsync($"() => document.getElementById('live-precision').value === '{precision}' && document.querySelector('#live-precision option[value=bf16]').textContent.includes('here')",
                null, new() { Timeout = 10_000 });
            await page.SetInputFilesAsync("#live-source", TinyMotionModel.Sample("sample1.jpg"));
            await page.ClickAsync("#live-start");
            await page.WaitForFunctionAsync("() => Number(document.getElementById('live-stats').dataset.frames || 0) >= 10 && Number(document.getElementById('live-stats').dataset.fps) > 0",
                null, new() { Timeout = 60_000 });
            var stats = await page.TextContentAsync("#live-stats");
            output.WriteLine(stats);
            Assert.Matches(@"^\d+\.\d frames/s · round trip p50 \d+ ms, p95 \d+ ms", stats);
            Assert.True(double.Parse(await page.GetAttributeAsync("#live-stats", "data-fps") ?? "0", System.Globalization.CultureInfo.InvariantCulture) > 0);

            // The animated frames are drawn: the canvas has the model's size and every pixel is opaque (a canvas nothing
            // was drawn on is transparent; the server's frames are opaque).
            var size = await page.EvalOnSelectorAsync<int[]>("#live-output", "c => [c.width, c.height]");
            Assert.Equal([TinyMotionModel.Size, TinyMotionModel.Size], size);
            var pixels = await page.EvalOnSelectorAsync<int[]>("#live-output",
                "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0, lo = 255, hi = 0; " +
                "for (let i = 0; i < d.length; i += 4) { n += d[i + 3] === 255 ? 1 : 0; lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); } return [n, hi - lo]; }");
            var (opaque, spread) = (pixels[0], pixels[1]);
            output.WriteLine($"opaque pixels {opaque}; red from lowest to highest {spread}");
            Assert.Equal(TinyMotionModel.Size * TinyMotionModel.Size, opaque);

            await page.ClickAsync("#live-reset");
            var before = int.Parse(await page.GetAttributeAsync("#live-stats", "data-frames") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            await page.WaitForFunctionAsync($"() => Number(document.getElementById('live-stats').dataset.frames) > {before + 3}", null, new() { Timeout = 30_000 });
            Assert.False(await page.IsVisibleAsync("#live-error"));
            Directory.CreateDirectory(BrowserTests.Screenshots);
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserTests.Screenshots, "live.png"), FullPage = true });

            await page.ClickAsync("#live-stop");
            Assert.True(await page.IsEnabledAsync("#live-start"));
            // The device is free again: a job is accepted and runs.
            var job = await h.Animate();
            Assert.Equal(System.Net.HttpStatusCode.Accepted, job.StatusCode);
            var id = (await ServerHarness.Json(job)).GetProperty("id").GetString()!;
            Assert.Equal("done", (await h.WaitJob(id, ServerHarness.StateIs("done", "failed"))).GetProperty("state").GetString());
            BrowserTests.AssertOnlyThisServer(h, requests);
        }
    }

    [Fact]
    public async Task Animate_tab_shows_the_running_jobs_latest_frame_and_follows_it()
    {
        using var runner = new TwoFrameRunner();
        await using var h = await ServerHarness.Start(runner: runner, tinyModel: true);
        var clip = Path.Combine(h.Root, "clip.mp4");
        await File.WriteAllBytesAsync(clip, h.DrivingClip());
        var (playwright, browser) = await BrowserTests.Launch();
        using (playwright)
        await using (browser)
        {
            var (page, _) = await BrowserTests.Open(browser, h);
            await page.WaitForSelectorAsync("#animate-model option[value='tiny']", new() { State = WaitForSelectorState.Attached });
            await page.SetInputFilesAsync("#animate-source", TinyMotionModel.Sample("sample1.jpg"));
            await page.SetInputFilesAsync("#animate-driving", clip);
            await page.ClickAsync("#animate-start");
            // The page's preview is the runner's frame, pixel for pixel (a BMP decodes exactly).
            const string shows = "([r, g, b]) => { const img = document.getElementById('animate-preview'); if (img.hidden || !img.complete || img.naturalWidth !== 3) return false; " +
                                 "const c = document.createElement('canvas'); c.width = 3; c.height = 2; const g2 = c.getContext('2d'); g2.drawImage(img, 0, 0); " +
                                 "const d = g2.getImageData(0, 0, 1, 1).data; return d[0] === r && d[1] === g && d[2] === b; }";
            Assert.True(await runner.Shown.WaitAsync(TimeSpan.FromSeconds(60)));
            await page.WaitForFunctionAsync(shows, TwoFrameRunner.First.Data[..3].Select(v => (int)v).ToArray(), new() { Timeout = 10_000 });
            Assert.Equal("running", await page.GetAttributeAsync("#animate-state", "data-state"));
            runner.Next.Release();
            Assert.True(await runner.Shown.WaitAsync(TimeSpan.FromSeconds(60)));
            await page.WaitForFunctionAsync(shows, TwoFrameRunner.Second.Data[..3].Select(v => (int)v).ToArray(), new() { Timeout = 10_000 });
            runner.Next.Release();
            await page.WaitForSelectorAsync("#animate-state[data-state='done']", new() { Timeout = 60_000 });
        }
    }

    [Fact]
    public async Task A_driving_video_recorded_with_the_camera_is_animated_and_plays()
    {
        await using var h = await ServerHarness.Start(tinyModel: true);
        var (playwright, browser) = await LaunchWithCamera(h);
        using (playwright)
        await using (browser)
        {
            var (page, requests) = await BrowserTests.Open(browser, h);
            await page.WaitForSelectorAsync("#animate-model option[value='tiny']", new() { State = WaitForSelectorState.Attached });
            await page.SetInputFilesAsync("#animate-source", TinyMotionModel.Sample("sample1.jpg"));
            await page.ClickAsync("#animate-record");
            await page.WaitForSelectorAsync("#animate-record:text('Stop recording')");
            await page.WaitForTimeoutAsync(2500);
            await page.ClickAsync("#animate-record");
            await page.WaitForSelectorAsync("#animate-record[data-recorded]", new() { State = WaitForSelectorState.Attached, Timeout = 10_000 });
            Assert.Equal("camera.webm", await page.EvalOnSelectorAsync<string>("#animate-driving", "i => i.files[0].name"));
            // The recording as the page holds it: a live camera spaces its frames unevenly, and its webm says neither its
            // frame count nor its duration (a rate read wrongly from such a file once made this animation last 0.04 s).
            var recorded = Path.Combine(h.Root, "recorded.webm");
            await File.WriteAllBytesAsync(recorded, Convert.FromBase64String(await page.EvalOnSelectorAsync<string>("#animate-driving",
                "async i => { const b = new Uint8Array(await i.files[0].arrayBuffer()); let s = ''; for (const x of b) s += String.fromCharCode(x); return btoa(s); }")));
            var camera = Vivify.Media.MediaProbe.Probe(recorded);
            output.WriteLine($"recorded: {camera.FrameCount} frames at {camera.FrameRate} frames/s, {camera.DurationSeconds:F2} s");
            Assert.InRange(camera.DurationSeconds, 1.0, 6.0); // about 2.5 s recorded
            await page.ClickAsync("#animate-start");
            await page.WaitForSelectorAsync("#animate-state[data-state='done'], #animate-state[data-state='failed']", new() { Timeout = 120_000 });
            Assert.False(await page.IsVisibleAsync("#animate-error"), await page.TextContentAsync("#animate-error"));
            await page.WaitForFunctionAsync("() => { const v = document.getElementById('animate-video'); return v.readyState >= 1 && v.duration > 0; }",
                null, new() { Timeout = 30_000 });
            var duration = await page.EvalOnSelectorAsync<double>("#animate-video", "v => v.duration");
            output.WriteLine($"recorded and animated: {duration:F2} s; a preview was shown while it ran: {await page.IsVisibleAsync("#animate-preview")} (not asserted: a short job may finish before the first preview is asked for)");
            Assert.Equal(camera.DurationSeconds, duration, 0.1); // every recorded frame, at the recording's rate
            Directory.CreateDirectory(BrowserTests.Screenshots);
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserTests.Screenshots, "animate-recorded.png"), FullPage = true });
            BrowserTests.AssertOnlyThisServer(h, requests);
        }
    }
}
