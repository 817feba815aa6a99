using System.Diagnostics;
using Microsoft.Playwright;
using Vivify.Cli.Tests;
using Vivify.TestSupport;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>
/// The Stylize tab in a real browser (Debian's chromium through Playwright, as <see cref="BrowserTests"/>): a clip
/// uploaded, strokes drawn with the mouse on two keyframe canvases (a third painted and removed, the first selected
/// again with its painting), Train on both, previews showing the painted colour, Render, the result playing in the page. The screenshot goes to out/serve/stylize.png.
/// </summary>
public class StylizeBrowserTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>How long the preview may take to show the painted colour after Train (stated in the issue's test list; measured in bench/serve).</summary>
    private const int PreviewColourSeconds = 30;

    /// <summary>The pixel at (fx, fy) of the element's picture (img or canvas; fractions of its size) as [r, g, b, a].</summary>
    private static Task<int[]> Pixel(IPage page, string selector, double fx, double fy) => page.EvalOnSelectorAsync<int[]>(selector, """
        (e, p) => {
          const w = e.naturalWidth || e.width, h = e.naturalHeight || e.height;
          const c = document.createElement("canvas"); c.width = w; c.height = h;
          const g = c.getContext("2d"); g.drawImage(e, 0, 0);
          return Array.from(g.getImageData(Math.floor(p[0] * w), Math.floor(p[1] * h), 1, 1).data);
        }
        """, new[] { fx, fy });

    private static bool Magenta(int[] p) => p[0] > 170 && p[1] < 100 && p[2] > 170;

    /// <summary>Waits until the preview of <paramref name="frame"/> shows magenta at the middle of its top half.</summary>
    private static Task WaitPreviewMagenta(IPage page, int frame) => page.WaitForFunctionAsync("""
        f => {
          const e = document.querySelector(`#stylize-preview-${f} img`);
          if (!e || !e.complete || !e.naturalWidth) return false;
          const c = document.createElement("canvas"); c.width = e.naturalWidth; c.height = e.naturalHeight;
          const g = c.getContext("2d"); g.drawImage(e, 0, 0);
          const p = g.getImageData(Math.floor(c.width / 2), Math.floor(c.height / 4), 1, 1).data;
          return p[0] > 170 && p[1] < 100 && p[2] > 170;
        }
        """, frame, new() { Timeout = PreviewColourSeconds * 1000, PollingInterval = 100 });

    /// <summary>A stroke across the canvas at height fy (fraction), left to right between fx0 and fx1, with the mouse.</summary>
    private static async Task Stroke(IPage page, LocatorBoundingBoxResult box, double fy, double fx0 = 0.05, double fx1 = 0.95)
    {
        await page.Mouse.MoveAsync((float)(box.X + fx0 * box.Width), (float)(box.Y + fy * box.Height));
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync((float)(box.X + fx1 * box.Width), (float)(box.Y + fy * box.Height), new() { Steps = 8 });
        await page.Mouse.UpAsync();
    }

    [Fact]
    public async Task Strokes_painted_with_the_mouse_show_in_a_preview_while_training_and_the_rendered_video_plays()
    {
        await using var h = await ServerHarness.Start();
        // 12 frames from 4 s into Megamind.avi (its first frames fade in from black: nothing to tell the halves apart by).
        var clip = Path.Combine(h.Root, "clip.mp4");
        FfmpegRunner.Run("-ss", "4", "-i", TinyMotionModel.Sample("Megamind.avi"), "-frames:v", "12", "-vf", "scale=128:-2", "-c:v", "libx264", "-pix_fmt", "yuv420p", clip);
        var (playwright, browser) = await BrowserTests.Launch();
        using (playwright)
        await using (browser)
        {
            var (page, requests) = await BrowserTests.Open(browser, h);
            await page.ClickAsync("#tab-stylize");
            Assert.True(await page.IsVisibleAsync("#panel-stylize"));
            await page.SetInputFilesAsync("#stylize-video", clip);
            await page.ClickAsync("#stylize-upload");
            await page.WaitForSelectorAsync("#stylize-summary[data-frames='12']", new() { Timeout = 30_000 });
            await page.WaitForSelectorAsync("#stylize-canvas[data-frame='0']");
            Assert.Equal("0, 6, 11", await page.InputValueAsync("#stylize-previews"));

            // Scrubbing shows the frame the slider is on.
            await page.FillAsync("#stylize-slider", "6");
            await page.WaitForFunctionAsync("() => document.getElementById('stylize-frame').src.endsWith('/frames/6')");
            await page.FillAsync("#stylize-slider", "0");

            // Paint the top half of frame 0 magenta (the default colour) with a wide brush.
            await page.FillAsync("#stylize-size", "60");
            var box = (await page.Locator("#stylize-canvas").BoundingBoxAsync())!;
            for (var fy = 0.04; fy <= 0.5; fy += 0.06) await Stroke(page, box, fy);
            Assert.True(Magenta(await Pixel(page, "#stylize-canvas", 0.5, 0.25)));

            // The eraser brings the frame's own pixels back; undo brings the paint back.
            await page.SelectOptionAsync("#stylize-tool", "eraser");
            await page.FillAsync("#stylize-size", "20");
            await Stroke(page, box, 0.25, 0.4, 0.6);
            await page.WaitForFunctionAsync("() => { const i = document.getElementById('stylize-frame'); return i.complete && i.naturalWidth > 0; }");
            Assert.Equal(await Pixel(page, "#stylize-frame", 0.5, 0.25), await Pixel(page, "#stylize-canvas", 0.5, 0.25));
            await page.ClickAsync("#stylize-undo");
            Assert.True(Magenta(await Pixel(page, "#stylize-canvas", 0.5, 0.25)));
            await page.SelectOptionAsync("#stylize-tool", "brush");

            // A second keyframe, the last frame, its top half painted too; a third painted and removed; the first
            // selected again from the list comes back with its painting.
            await page.FillAsync("#stylize-size", "60");
            await page.FillAsync("#stylize-slider", "11");
            await page.ClickAsync("#stylize-pick");
            await page.WaitForSelectorAsync("#stylize-canvas[data-frame='11']");
            Assert.False(Magenta(await Pixel(page, "#stylize-canvas", 0.5, 0.25)));
            for (var fy = 0.04; fy <= 0.5; fy += 0.06) await Stroke(page, box, fy);
            Assert.True(Magenta(await Pixel(page, "#stylize-canvas", 0.5, 0.25)));
            await page.FillAsync("#stylize-slider", "6");
            await page.ClickAsync("#stylize-pick");
            await page.WaitForSelectorAsync("#stylize-canvas[data-frame='6']");
            await Stroke(page, box, 0.8);
            Assert.Equal(3, await page.Locator("#stylize-keys li[data-state='painted']").CountAsync());
            await page.ClickAsync("#stylize-keys li[data-frame='6'] .stylize-key-remove");
            await page.ClickAsync("#stylize-keys li[data-frame='0'] .stylize-key-select");
            await page.WaitForSelectorAsync("#stylize-canvas[data-frame='0']");
            Assert.True(Magenta(await Pixel(page, "#stylize-canvas", 0.5, 0.25)));
            Assert.Equal(["0", "11"], await page.Locator("#stylize-keys li").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.frame)"));

            var clock = Stopwatch.StartNew();
            await page.ClickAsync("#stylize-train");
            await page.WaitForSelectorAsync("#stylize-preview-0 img[data-shown]", new() { Timeout = PreviewColourSeconds * 1000 });
            var first = clock.Elapsed.TotalSeconds;
            await WaitPreviewMagenta(page, 0);
            var coloured = clock.Elapsed.TotalSeconds;
            Assert.Equal(2, await page.Locator("#stylize-keys li[data-state='sent']").CountAsync()); // both trained on
            await WaitPreviewMagenta(page, 11);
            // Frame 0's preview may have been refreshed meanwhile while its colour was still settling (seen once, under
            // load): the screenshot below wants both previews coloured, so wait for frame 0's again.
            await WaitPreviewMagenta(page, 0);
            var step = await page.GetAttributeAsync("#stylize-preview-0 img", "data-step");
            output.WriteLine($"first preview {first:0.0} s after Train; painted colour in the preview after {coloured:0.0} s (step {step})");
            Assert.True(long.Parse(step!, System.Globalization.CultureInfo.InvariantCulture) > 0);
            output.WriteLine($"preview pixels: painted half {string.Join(",", await Pixel(page, "#stylize-preview-0 img", 0.5, 0.25))}, unpainted half {string.Join(",", await Pixel(page, "#stylize-preview-0 img", 0.5, 0.9))}");
            Directory.CreateDirectory(BrowserTests.Screenshots);
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserTests.Screenshots, "stylize-training.png"), FullPage = true });

            await page.ClickAsync("#stylize-render");
            await page.WaitForSelectorAsync("#stylize-render[data-state='done']", new() { Timeout = 60_000 });
            await page.WaitForFunctionAsync("() => { const v = document.getElementById('stylize-result-video'); return v.readyState >= 1 && v.duration > 0; }",
                null, new() { Timeout = 30_000 });
            var duration = await page.EvalOnSelectorAsync<double>("#stylize-result-video", "v => v.duration");
            output.WriteLine($"rendered video: {duration} s");
            Assert.InRange(duration, 0.3, 1.0); // 12 frames at Megamind's 23.98 fps
            Assert.EndsWith("/result", await page.GetAttributeAsync("#stylize-download", "href"));
            await page.WaitForSelectorAsync("#stylize-model:not([hidden])");
            Assert.False(await page.IsVisibleAsync("#stylize-error"));
            await page.EvalOnSelectorAsync("#stylize-result-video",
                "v => new Promise(done => { v.pause(); v.addEventListener('seeked', done, { once: true }); v.currentTime = v.duration / 2; })");
            await page.WaitForFunctionAsync("() => document.getElementById('stylize-result-video').readyState >= 2");
            await page.Mouse.MoveAsync(0, 0); // no hover controls over the picture
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserTests.Screenshots, "stylize.png"), FullPage = true });
            BrowserTests.AssertOnlyThisServer(h, requests);
        }
    }
}
