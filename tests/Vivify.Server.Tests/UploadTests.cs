using System.Net;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>
/// Bad submissions to POST /api/animate: each gets the right status and a one-line JSON error without server paths,
/// leaves nothing on disk, and the server answers normally after it.
/// </summary>
public class UploadTests
{
    private static async Task AssertRejected(ServerHarness h, HttpResponseMessage response, HttpStatusCode status, string says)
    {
        await AssertError(h, response, status, says);
        Assert.Empty(h.DataFiles());
    }

    /// <summary>The status, and a one-line JSON error saying <paramref name="says"/> without server paths or a stack trace; the server healthy after.</summary>
    internal static async Task AssertError(ServerHarness h, HttpResponseMessage response, HttpStatusCode status, string says)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{response.StatusCode}: {body}");
        var error = (await ServerHarness.Json(response)).GetProperty("error").GetString()!;
        Assert.Contains(says, error);
        Assert.DoesNotContain(h.Root, body);
        Assert.DoesNotContain("/tmp", body);
        Assert.DoesNotContain("   at ", body);
        Assert.DoesNotContain('\n', error);
        Assert.Equal(HttpStatusCode.OK, (await h.Client.GetAsync("/api/health")).StatusCode);
    }

    [Fact]
    public async Task An_upload_over_the_limit_is_413_and_nothing_stays()
    {
        await using var h = await ServerHarness.Start(o => o with { MaxUploadBytes = 200_000 }, tinyModel: true);
        var big = new byte[300_000];
        new Random(1).NextBytes(big);
        await AssertRejected(h, await h.Animate(driving: big), HttpStatusCode.RequestEntityTooLarge, "larger than this server accepts");
    }

    [Fact]
    public async Task A_text_file_named_mp4_is_refused_by_decoding_it()
    {
        await using var h = await ServerHarness.Start(tinyModel: true);
        var text = "this is not a video, whatever its name says\n"u8.ToArray();
        await AssertRejected(h, await h.Animate(clientDriving: "clip.mp4", driving: text), HttpStatusCode.UnsupportedMediaType, "driving: not a video");
        await AssertRejected(h, await h.Animate(clientSource: "face.png", source: text), HttpStatusCode.UnsupportedMediaType, "source: not a picture");
    }

    [Fact]
    public async Task A_truncated_video_is_refused()
    {
        await using var h = await ServerHarness.Start(tinyModel: true);
        var clip = h.DrivingClip();
        await AssertRejected(h, await h.Animate(driving: clip[..(clip.Length / 3)]), HttpStatusCode.UnsupportedMediaType, "driving: not a video");
    }

    [Fact]
    public async Task A_video_over_the_frame_or_duration_limit_is_400_even_a_webm_that_states_neither()
    {
        await using var h = await ServerHarness.Start(o => o with { MaxFrames = 20, MaxDurationSeconds = 2 }, tinyModel: true);
        // 25 frames at 5/s, written as a browser's recorder writes webm: no frame count, no duration in the file.
        var webm = Path.Combine(h.Root, "long.webm");
        Vivify.TestSupport.FfmpegRunner.Run("-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=5", "-c:v", "libvpx", "-live", "1", webm);
        await AssertRejected(h, await h.Animate(clientDriving: "long.webm", driving: await File.ReadAllBytesAsync(webm)), HttpStatusCode.BadRequest,
            "driving: 25 frames is more than this server's 20 per job");
        Vivify.TestSupport.FfmpegRunner.Run("-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=3", "-c:v", "libvpx", "-live", "1", webm);
        await AssertRejected(h, await h.Animate(clientDriving: "long.webm", driving: await File.ReadAllBytesAsync(webm)), HttpStatusCode.BadRequest,
            "driving: 3 s is longer than this server's 2 s per job");
    }

    [Fact]
    public async Task Wrong_fields_are_400()
    {
        await using var h = await ServerHarness.Start(tinyModel: true);
        await AssertRejected(h, await h.Animate(model: "nope"), HttpStatusCode.BadRequest, "no such model");
        await AssertRejected(h, await h.Animate(model: "../models/tiny"), HttpStatusCode.BadRequest, "no such model");
        await AssertRejected(h, await h.Animate(fields: [("mode", "sideways")]), HttpStatusCode.BadRequest, "mode is relative or absolute");
        await AssertRejected(h, await h.Animate(fields: [("precision", "fp8")]), HttpStatusCode.BadRequest, "precision is fp32 or bf16");
        await AssertRejected(h, await h.Animate(fields: [("frame", "-1")]), HttpStatusCode.BadRequest, "frame");
        await AssertRejected(h, await h.Animate(fields: [("frame", "6")]), HttpStatusCode.BadRequest, "the driving video has 6 frames");
        await AssertRejected(h, await h.Client.PostAsync("/api/animate", ServerHarness.Form([("source", "a.jpg", ServerHarness.Portrait())], ("model", "tiny"))),
            HttpStatusCode.BadRequest, "'driving' file");
        await AssertRejected(h, await h.Client.PostAsync("/api/animate", ServerHarness.Form([("source", "a.jpg", ServerHarness.Portrait()), ("other", "b.jpg", ServerHarness.Portrait())])),
            HttpStatusCode.BadRequest, "unexpected file part 'other'");
        await AssertRejected(h, await h.Client.PostAsync("/api/animate", new StringContent("{}")), HttpStatusCode.UnsupportedMediaType, "multipart/form-data");
    }

    [Fact]
    public async Task Client_file_names_never_reach_the_disk()
    {
        using var gate = new GateRunner();
        await using var h = await ServerHarness.Start(runner: gate, tinyModel: true);
        var response = await h.Animate(clientSource: "../../../escaped.jpg", clientDriving: "/tmp/evil/../../driving.mp4");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await ServerHarness.Json(response)).GetProperty("id").GetString()!;
        await gate.WaitStarted();
        Assert.Equal([Path.Combine("jobs", id, "driving"), Path.Combine("jobs", id, "source")], h.DataFiles().Order());
        Assert.False(File.Exists(Path.Combine(h.Root, "escaped.jpg")));
        Assert.Empty(Directory.EnumerateFiles(h.Root, "escaped*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(h.Root, "driving.mp4", SearchOption.AllDirectories));
        gate.Release();
        Assert.Equal("done", (await h.WaitJob(id, ServerHarness.StateIs("done")))!.GetProperty("state").GetString());
        Assert.Equal([Path.Combine("jobs", id, "result.mp4")], h.DataFiles());
    }

    [Fact]
    public async Task Unknown_jobs_are_404_json()
    {
        await using var h = await ServerHarness.Start();
        foreach (var (method, path) in new[] { ("GET", "/api/jobs/0123456789abcdef0123456789abcdef"), ("GET", "/api/jobs/..%2F..%2Fetc/result"),
                                               ("DELETE", "/api/jobs/nope"), ("GET", "/api/jobs/nope/events") })
        {
            var response = await h.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.False(string.IsNullOrEmpty((await ServerHarness.Json(response)).GetProperty("error").GetString()));
        }
    }

    [Fact]
    public async Task A_wrong_method_or_address_is_a_json_error_too()
    {
        await using var h = await ServerHarness.Start();
        foreach (var (method, path, status) in new[] { ("PUT", "/api/models", HttpStatusCode.MethodNotAllowed), ("POST", "/api/health", HttpStatusCode.MethodNotAllowed),
                                                       ("GET", "/api/nothing", HttpStatusCode.NotFound), ("GET", "/static/..%2F..%2Fappsettings.json", HttpStatusCode.NotFound),
                                                       ("GET", "/static/missing.js", HttpStatusCode.NotFound) })
        {
            var response = await h.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.Equal(status, response.StatusCode);
            Assert.False(string.IsNullOrEmpty((await ServerHarness.Json(response)).GetProperty("error").GetString()));
        }
    }
}
