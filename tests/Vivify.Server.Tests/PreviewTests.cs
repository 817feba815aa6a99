using System.Net;
using Vivify.Media;
using Vivify.Server.Animate;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>A runner that shows one frame, waits for the test, shows a second, waits again, then "writes" its result.</summary>
internal sealed class TwoFrameRunner : IAnimateRunner, IDisposable
{
    public static readonly RgbFrame First = Frame(3, 2, 10);
    public static readonly RgbFrame Second = Frame(3, 2, 200);
    public readonly SemaphoreSlim Shown = new(0), Next = new(0);

    private static RgbFrame Frame(int width, int height, int start) =>
        new(width, height, [.. Enumerable.Range(start, width * height * 3).Select(v => (byte)v)]);

    public void Run(AnimateWork work, Action<double> progress, CancellationToken cancel) => throw new InvalidOperationException("the queue asks for previews");

    public void Run(AnimateWork work, Action<double> progress, Action<RgbFrame> preview, CancellationToken cancel)
    {
        preview(First);
        Shown.Release();
        Next.Wait(cancel);
        preview(Second);
        Shown.Release();
        Next.Wait(cancel);
        File.Copy(work.Driving, work.Output);
    }

    public void Dispose()
    {
        Shown.Dispose();
        Next.Dispose();
    }
}

/// <summary>GET /api/jobs/ID/preview: the latest frame a job finished, while it runs, as a BMP.</summary>
public class PreviewTests
{
    /// <summary>A 24-bit top-down BMP read back: its size and RGB rows (what a browser shows).</summary>
    private static RgbFrame ReadBmp(byte[] bmp)
    {
        Assert.Equal("BM", System.Text.Encoding.ASCII.GetString(bmp, 0, 2));
        Assert.Equal(bmp.Length, BitConverter.ToInt32(bmp, 2));
        int offset = BitConverter.ToInt32(bmp, 10), width = BitConverter.ToInt32(bmp, 18), height = -BitConverter.ToInt32(bmp, 22);
        Assert.Equal(24, BitConverter.ToInt16(bmp, 28));
        var row = (width * 3 + 3) & ~3;
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                for (var c = 0; c < 3; c++)
                    rgb[(y * width + x) * 3 + c] = bmp[offset + y * row + x * 3 + 2 - c];
        return new RgbFrame(width, height, rgb);
    }

    [Fact]
    public async Task The_preview_is_the_latest_finished_frame_while_the_job_runs()
    {
        using var runner = new TwoFrameRunner();
        await using var h = await ServerHarness.Start(runner: runner, tinyModel: true);
        var id = (await ServerHarness.Json(await h.Animate())).GetProperty("id").GetString()!;
        Assert.True(await runner.Shown.WaitAsync(TimeSpan.FromSeconds(30)));
        var first = await h.Client.GetAsync($"/api/jobs/{id}/preview");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("image/bmp", first.Content.Headers.ContentType!.MediaType);
        Assert.Contains("no-store", first.Headers.CacheControl!.ToString());
        var got = ReadBmp(await first.Content.ReadAsByteArrayAsync());
        Assert.Equal((3, 2), (got.Width, got.Height)); // 3 pixels a row: 9 bytes padded to 12
        Assert.Equal(TwoFrameRunner.First.Data, got.Data);

        runner.Next.Release();
        Assert.True(await runner.Shown.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(TwoFrameRunner.Second.Data, ReadBmp(await h.Client.GetByteArrayAsync($"/api/jobs/{id}/preview")).Data);
        runner.Next.Release();
        await h.WaitJob(id, ServerHarness.StateIs("done"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await h.Anonymous.GetAsync($"/api/jobs/{id}/preview")).StatusCode);
        var unknown = await h.Client.GetAsync("/api/jobs/0123456789abcdef0123456789abcdef/preview");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no such job", (await ServerHarness.Json(unknown)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Before_its_first_frame_a_job_has_no_preview_and_with_the_tiny_model_the_last_preview_is_the_videos_last_frame()
    {
        using var gate = new GateRunner();
        await using (var gated = await ServerHarness.Start(runner: gate, tinyModel: true))
        {
            var waiting = (await ServerHarness.Json(await gated.Animate())).GetProperty("id").GetString()!;
            await gate.WaitStarted();
            Assert.Equal(HttpStatusCode.NoContent, (await gated.Client.GetAsync($"/api/jobs/{waiting}/preview")).StatusCode);
            gate.Release();
        }

        await using var h = await ServerHarness.Start(tinyModel: true);
        var id = (await ServerHarness.Json(await h.Animate(driving: h.DrivingClip(12)))).GetProperty("id").GetString()!;
        Assert.Equal("done", (await h.WaitJob(id, ServerHarness.StateIs("done", "failed"))).GetProperty("state").GetString());
        var preview = ReadBmp(await h.Client.GetByteArrayAsync($"/api/jobs/{id}/preview"));
        var video = Path.Combine(h.Root, "result.mp4");
        await File.WriteAllBytesAsync(video, await h.Client.GetByteArrayAsync($"/api/jobs/{id}/result"));
        var last = VideoSource.Open(video).Frames(11, 1).Single();
        Assert.Equal((last.Width, last.Height), (preview.Width, preview.Height));
        var mean = preview.Data.Zip(last.Data, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(mean < 6, $"the preview differs from the video's last frame by {mean:F2} on average (more than H.264's loss)");
    }
}
