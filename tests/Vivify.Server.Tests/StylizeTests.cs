using System.Net;
using System.Text.Json;
using Vivify.Media;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>
/// The stylize tab's API: upload a video, its frames, the painted keyframe, training with previews (a job in the
/// queue), repainting while it trains, stop, render, the model, removal and the time to live; bad input each with
/// the right status and a one-line JSON error without server paths, nothing left on disk.
/// </summary>
public class StylizeTests
{
    private static string StylizeFolder(ServerHarness h) => Path.Combine(h.Data, "stylize");

    internal static async Task<JsonElement> Upload(ServerHarness h, int frames = 8)
    {
        var response = await h.Client.PostAsync("/api/stylize", ServerHarness.Form([("video", "clip.mp4", h.DrivingClip(frames))]));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await ServerHarness.Json(response);
    }

    /// <summary>A picture of one colour as PNG bytes.</summary>
    internal static byte[] Solid(ServerHarness h, int width, int height, byte r, byte g, byte b)
    {
        var data = new byte[width * height * 3];
        for (var i = 0; i < data.Length; i += 3) (data[i], data[i + 1], data[i + 2]) = (r, g, b);
        var path = Path.Combine(h.Root, $"solid-{width}x{height}-{r}-{g}-{b}.png");
        ImageIO.Write(path, new RgbFrame(width, height, data));
        return File.ReadAllBytes(path);
    }

    internal static Task<HttpResponseMessage> Key(ServerHarness h, string id, int frame, byte[] painted, string part = "painted") =>
        h.Client.PostAsync($"/api/stylize/{id}/keyframe", ServerHarness.Form([(part, "key.png", painted)], ("frame", frame.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    internal static async Task<JsonElement> Project(ServerHarness h, string id) => await ServerHarness.Json(await h.Client.GetAsync($"/api/stylize/{id}"));

    internal static async Task<JsonElement> WaitProject(ServerHarness h, string id, Func<JsonElement, bool> until, double seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var view = await Project(h, id);
            if (until(view)) return view;
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting; last view {view}");
            await Task.Delay(50);
        }
    }

    internal static int MinRevision(JsonElement view) =>
        view.GetProperty("previews").EnumerateArray().Select(p => p.GetProperty("revision").GetInt32()).DefaultIfEmpty(0).Min();

    internal static async Task<RgbFrame> Picture(ServerHarness h, HttpResponseMessage response, string name)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        var path = Path.Combine(h.Root, name);
        await File.WriteAllBytesAsync(path, await response.Content.ReadAsByteArrayAsync());
        return ImageIO.ReadFrame(path);
    }

    [Fact]
    public async Task Upload_paint_train_with_previews_repaint_stop_render_and_download_then_delete_leaves_nothing()
    {
        await using var h = await ServerHarness.Start();
        var project = await Upload(h);
        var id = project.GetProperty("id").GetString()!;
        var (w, h2, frames) = (project.GetProperty("width").GetInt32(), project.GetProperty("height").GetInt32(), project.GetProperty("frames").GetInt32());
        Assert.Equal((128, 8), (w, frames)); // the clip is 128 pixels wide: under the working size, kept
        Assert.Equal(0, h2 % 2);
        Assert.Equal([0, 4, 7], project.GetProperty("previewFrames").EnumerateArray().Select(e => e.GetInt32()));
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(StylizeFolder(h), id), "*", SearchOption.AllDirectories), f => Path.GetFileName(f) == "video");

        var frame = await Picture(h, await h.Client.GetAsync($"/api/stylize/{id}/frames/5"), "frame5.png");
        Assert.Equal((w, h2), (frame.Width, frame.Height));

        var keyed = await Key(h, id, 0, Solid(h, w, h2, 255, 0, 255));
        Assert.True(keyed.StatusCode == HttpStatusCode.OK, await keyed.Content.ReadAsStringAsync());
        Assert.Equal(1, (await ServerHarness.Json(keyed)).GetProperty("revision").GetInt32());

        var train = await h.Client.PostAsync($"/api/stylize/{id}/train", ServerHarness.Form([], ("previews", "0, 7"), ("minutes", "5")));
        Assert.True(train.StatusCode == HttpStatusCode.Accepted, await train.Content.ReadAsStringAsync());
        var job = (await ServerHarness.Json(train)).GetProperty("id").GetString()!;
        Assert.Equal("running", (await h.WaitJob(job, ServerHarness.StateIs("running"))).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await h.Client.PostAsync($"/api/stylize/{id}/train", null)).StatusCode);

        var first = await WaitProject(h, id, v => v.GetProperty("previews").GetArrayLength() == 2);
        var preview = await Picture(h, await h.Client.GetAsync($"/api/stylize/{id}/previews/7"), "preview7.png");
        Assert.Equal((w, h2), (preview.Width, preview.Height)); // within 320×240 already
        Assert.All(first.GetProperty("previews").EnumerateArray(), p => Assert.True(p.GetProperty("step").GetInt64() > 0));

        // A new painting while it trains: the same job goes on from where it was, and the previews follow.
        var before = (await Project(h, id)).GetProperty("steps").GetInt64();
        Assert.Equal(HttpStatusCode.OK, (await Key(h, id, 3, Solid(h, w, h2, 0, 255, 0))).StatusCode);
        var repainted = await WaitProject(h, id, v => MinRevision(v) == 2);
        Assert.True(repainted.GetProperty("steps").GetInt64() > before);
        Assert.Equal(3, repainted.GetProperty("keyframe").GetInt32());
        Assert.Equal(job, repainted.GetProperty("training").GetProperty("id").GetString());
        Assert.Equal("running", repainted.GetProperty("training").GetProperty("state").GetString());

        Assert.Equal(HttpStatusCode.OK, (await h.Client.PostAsync($"/api/stylize/{id}/stop", null)).StatusCode);
        Assert.Equal("done", (await h.WaitJob(job, ServerHarness.StateIs("done", "failed", "cancelled"))).GetProperty("state").GetString());
        var stopped = await Project(h, id);
        Assert.True(stopped.GetProperty("model").GetBoolean());
        var model = await h.Client.GetAsync($"/api/stylize/{id}/model");
        Assert.Equal(HttpStatusCode.OK, model.StatusCode);
        Assert.Equal("vivify-stylize.pth", model.Content.Headers.ContentDisposition?.FileNameStar ?? model.Content.Headers.ContentDisposition?.FileName);
        var bytes = await model.Content.ReadAsByteArrayAsync();
        Assert.Equal("PK"u8.ToArray(), bytes[..2]); // torch.save's zip

        var render = await h.Client.PostAsync($"/api/stylize/{id}/render", null);
        Assert.Equal(HttpStatusCode.Accepted, render.StatusCode);
        var renderJob = (await ServerHarness.Json(render)).GetProperty("id").GetString()!;
        Assert.Equal("done", (await h.WaitJob(renderJob, ServerHarness.StateIs("done", "failed", "cancelled"))).GetProperty("state").GetString());
        var video = await h.Client.GetAsync($"/api/jobs/{renderJob}/result");
        Assert.Equal("video/mp4", video.Content.Headers.ContentType?.MediaType);
        var path = Path.Combine(h.Root, "stylized.mp4");
        await File.WriteAllBytesAsync(path, await video.Content.ReadAsByteArrayAsync());
        var info = MediaProbe.Probe(path);
        Assert.Equal((w, h2, (long)frames), (info.Width, info.Height, info.FrameCount));
        Assert.Equal("aac", info.Audio?.Codec); // the upload's audio (Megamind.avi's), as `vivify stylize` keeps it

        Assert.Equal(HttpStatusCode.OK, (await h.Client.DeleteAsync($"/api/stylize/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await h.Client.GetAsync($"/api/stylize/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await h.Client.DeleteAsync($"/api/jobs/{renderJob}")).StatusCode);
        Assert.Empty(h.DataFiles());
    }

    internal static Task AssertRejected(ServerHarness h, HttpResponseMessage response, HttpStatusCode status, string says) =>
        UploadTests.AssertError(h, response, status, says);

    [Fact]
    public async Task Bad_requests_are_one_line_json_errors_and_leave_nothing_on_disk()
    {
        await using var h = await ServerHarness.Start();
        const string unknown = "0123456789abcdef0123456789abcdef";
        var text = "this is not a video, whatever its name says\n"u8.ToArray();

        await AssertRejected(h, await h.Anonymous.PostAsync("/api/stylize", ServerHarness.Form([("video", "clip.mp4", h.DrivingClip())])), HttpStatusCode.Unauthorized, "token");
        await AssertRejected(h, await h.Anonymous.GetAsync($"/api/stylize/{unknown}"), HttpStatusCode.Unauthorized, "token");
        // Painting (or anything else) before an upload: no such project.
        await AssertRejected(h, await Key(h, unknown, 0, Solid(h, 8, 8, 255, 0, 0)), HttpStatusCode.NotFound, "no such stylize project");
        await AssertRejected(h, await h.Client.PostAsync($"/api/stylize/{unknown}/keyframes", ServerHarness.Form([("painted", "key.png", Solid(h, 8, 8, 255, 0, 0))], ("frame", "0"))), HttpStatusCode.NotFound, "no such stylize project");
        await AssertRejected(h, await h.Client.DeleteAsync($"/api/stylize/{unknown}/keyframes/0"), HttpStatusCode.NotFound, "no such stylize project");
        await AssertRejected(h, await h.Anonymous.DeleteAsync($"/api/stylize/{unknown}/keyframes/0"), HttpStatusCode.Unauthorized, "token");
        foreach (var path in new[] { "", "/frames/0", "/previews/0", "/model", "/events" })
            await AssertRejected(h, await h.Client.GetAsync($"/api/stylize/{unknown}{path}"), HttpStatusCode.NotFound, "no such stylize project");
        foreach (var path in new[] { "/train", "/stop", "/render" })
            await AssertRejected(h, await h.Client.PostAsync($"/api/stylize/{unknown}{path}", null), HttpStatusCode.NotFound, "no such stylize project");
        await AssertRejected(h, await h.Client.PostAsync("/api/stylize", ServerHarness.Form([("video", "holiday.mp4", text)])), HttpStatusCode.UnsupportedMediaType, "video: not a video that can be decoded");
        await AssertRejected(h, await h.Client.PostAsync("/api/stylize", ServerHarness.Form([("video", "../../etc/passwd", h.DrivingClip()[..2000])])), HttpStatusCode.UnsupportedMediaType, "video: not a video");
        await AssertRejected(h, await h.Client.PostAsync("/api/stylize", ServerHarness.Form([("picture", "clip.mp4", h.DrivingClip())])), HttpStatusCode.BadRequest, "unexpected file part");
        Assert.Empty(h.DataFiles());

        var project = await Upload(h, 4);
        var id = project.GetProperty("id").GetString()!;
        var (w, hh) = (project.GetProperty("width").GetInt32(), project.GetProperty("height").GetInt32());
        var files = h.DataFiles();
        await AssertRejected(h, await h.Client.PostAsync($"/api/stylize/{id}/train", null), HttpStatusCode.Conflict, "paint a keyframe first");
        await AssertRejected(h, await h.Client.PostAsync($"/api/stylize/{id}/render", null), HttpStatusCode.Conflict, "train first");
        await AssertRejected(h, await h.Client.GetAsync($"/api/stylize/{id}/model"), HttpStatusCode.Conflict, "no model yet");
        await AssertRejected(h, await h.Client.GetAsync($"/api/stylize/{id}/previews/0"), HttpStatusCode.NotFound, "no preview of frame 0 yet");
        await AssertRejected(h, await h.Client.GetAsync($"/api/stylize/{id}/frames/4"), HttpStatusCode.NotFound, "frames 0 to 3");
        await AssertRejected(h, await Key(h, id, 0, Solid(h, w + 2, hh, 255, 0, 0)), HttpStatusCode.BadRequest, $"painted: {w + 2}x{hh}, but the video's frames are {w}x{hh}");
        await AssertRejected(h, await Key(h, id, 0, text), HttpStatusCode.UnsupportedMediaType, "painted: not a picture");
        await AssertRejected(h, await Key(h, id, 4, Solid(h, w, hh, 255, 0, 0)), HttpStatusCode.BadRequest, "frame 4: the video has frames 0 to 3");
        await AssertRejected(h, await Key(h, id, 0, Solid(h, w, hh, 255, 0, 0), part: "other"), HttpStatusCode.BadRequest, "unexpected file part");
        Assert.Equal(files, h.DataFiles()); // the refused paintings left nothing
        Assert.Equal(HttpStatusCode.OK, (await Key(h, id, 0, Solid(h, w, hh, 255, 0, 0))).StatusCode);
        await AssertRejected(h, await h.Client.PostAsync($"/api/stylize/{id}/train", ServerHarness.Form([], ("previews", "1,9"))), HttpStatusCode.BadRequest, "frame 9");
        await AssertRejected(h, await h.Client.PostAsync($"/api/stylize/{id}/train", ServerHarness.Form([], ("minutes", "-1"))), HttpStatusCode.BadRequest, "minutes");

        Assert.Equal(HttpStatusCode.OK, (await h.Client.DeleteAsync($"/api/stylize/{id}")).StatusCode);
        Assert.Empty(h.DataFiles());
    }

    [Fact]
    public async Task Training_holds_the_queue_like_any_heavy_job_and_an_animate_job_waits_behind_it()
    {
        using var gate = new GateRunner();
        await using var h = await ServerHarness.Start(runner: gate, tinyModel: true);
        var project = await Upload(h, 4);
        var id = project.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await Key(h, id, 1, Solid(h, project.GetProperty("width").GetInt32(), project.GetProperty("height").GetInt32(), 0, 0, 255))).StatusCode);
        var train = (await ServerHarness.Json(await h.Client.PostAsync($"/api/stylize/{id}/train", null))).GetProperty("id").GetString()!;
        await h.WaitJob(train, ServerHarness.StateIs("running"));
        var animate = (await ServerHarness.Json(await h.Animate())).GetProperty("id").GetString()!;
        var waiting = await h.WaitJob(animate, _ => true);
        Assert.Equal(("queued", 1), (waiting.GetProperty("state").GetString()!, waiting.GetProperty("position").GetInt32()));
        await Task.Delay(300);
        Assert.Empty(gate.Seen);

        Assert.Equal(HttpStatusCode.OK, (await h.Client.PostAsync($"/api/stylize/{id}/stop", null)).StatusCode);
        Assert.Equal("done", (await h.WaitJob(train, ServerHarness.StateIs("done", "failed", "cancelled"))).GetProperty("state").GetString());
        await gate.WaitStarted();
        gate.Release();
        Assert.Equal("done", (await h.WaitJob(animate, ServerHarness.StateIs("done", "failed"))).GetProperty("state").GetString());
        // Training again continues the same session: no step lost.
        var steps = (await Project(h, id)).GetProperty("steps").GetInt64();
        Assert.True(steps > 0);
        var again = (await ServerHarness.Json(await h.Client.PostAsync($"/api/stylize/{id}/train", null))).GetProperty("id").GetString()!;
        await WaitProject(h, id, v => v.GetProperty("steps").GetInt64() > steps);
        Assert.Equal(HttpStatusCode.OK, (await h.Client.DeleteAsync($"/api/jobs/{again}")).StatusCode);
        Assert.Equal("cancelled", (await h.WaitJob(again, ServerHarness.StateIs("done", "failed", "cancelled"))).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Projects_unused_past_the_time_to_live_and_at_shutdown_are_removed_with_their_folders()
    {
        var h = await ServerHarness.Start(o => o with { JobTimeToLive = TimeSpan.FromMilliseconds(500), SweepInterval = TimeSpan.FromMilliseconds(100) });
        try
        {
            var id = (await Upload(h, 2)).GetProperty("id").GetString()!;
            var folder = Path.Combine(StylizeFolder(h), id);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Directory.Exists(folder) && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.False(Directory.Exists(folder));
            Assert.Equal(HttpStatusCode.NotFound, (await h.Client.GetAsync($"/api/stylize/{id}")).StatusCode);

        }
        finally
        {
            await h.Server.DisposeAsync();
            try { Directory.Delete(h.Root, recursive: true); } catch (IOException) { }
        }

        // At shutdown: a server whose time to live cannot pass during the test (with 500 ms, a loaded machine's sweep
        // could remove the project between its upload's answer and the check that it is there).
        var s = await ServerHarness.Start(o => o with { JobTimeToLive = TimeSpan.FromHours(1), SweepInterval = TimeSpan.FromMilliseconds(100) });
        try
        {
            var kept = (await Upload(s, 2)).GetProperty("id").GetString()!;
            Assert.True(Directory.Exists(Path.Combine(StylizeFolder(s), kept)));
            await s.Server.DisposeAsync();
            Assert.Empty(s.DataFiles());
        }
        finally { try { Directory.Delete(s.Root, recursive: true); } catch (IOException) { } }
    }
}
