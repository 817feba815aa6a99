using System.Globalization;
using System.Net;
using System.Text.Json;
using Vivify.Media;
using Vivify.Stylize;
using Vivify.Torch.Checkpoints;
using Vivify.TestSupport;
using Xunit;
using static Vivify.Server.Tests.StylizeTests;

namespace Vivify.Server.Tests;

/// <summary>
/// Several painted keyframes (POST/DELETE /api/stylize/ID/keyframes…): trained on together, one repainted or removed
/// while the training goes on (the same job, no step lost), bad frame numbers refused; a video without audio renders
/// (one with audio keeps it: <see cref="StylizeTests"/>).
/// </summary>
public class StylizeKeyframesTests
{
    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static Task<HttpResponseMessage> AddKey(ServerHarness h, string id, int frame, byte[] painted) =>
        h.Client.PostAsync($"/api/stylize/{id}/keyframes", ServerHarness.Form([("painted", "key.png", painted)], ("frame", Text(frame))));

    private static int[] Keyframes(JsonElement view) => [.. view.GetProperty("keyframes").EnumerateArray().Select(k => k.GetProperty("frame").GetInt32())];

    /// <summary>The keyframes the project's model file was trained on (its meta, as `vivify stylize apply` reads it).</summary>
    private static async Task<long[]> ModelKeys(ServerHarness h, string id)
    {
        var model = await h.Client.GetAsync($"/api/stylize/{id}/model");
        Assert.Equal(HttpStatusCode.OK, model.StatusCode);
        var path = Path.Combine(h.Root, $"model-{Guid.NewGuid():N}.pth");
        await File.WriteAllBytesAsync(path, await model.Content.ReadAsByteArrayAsync());
        using var scope = TorchSharp.torch.NewDisposeScope();
        var file = (PyDict)CheckpointIO.Load(path, TorchLoadOptions.PickledModules(StylizeCheckpoints.PublishedClasses))!;
        return [.. ((List<object?>)((PyDict)file["meta"]!)["keys"]!).Cast<long>()];
    }

    /// <summary>A 128×96 test pattern of <paramref name="frames"/> frames at 24 fps, without audio.</summary>
    private static byte[] Silent(ServerHarness h, int frames)
    {
        var path = Path.Combine(h.Root, $"pattern{frames}.mp4");
        FfmpegRunner.Run("-f", "lavfi", "-i", "testsrc=size=128x96:rate=24", "-frames:v", Text(frames), "-c:v", "libx264", "-pix_fmt", "yuv420p", path);
        return File.ReadAllBytes(path);
    }

    [Fact]
    public async Task Two_keyframes_train_together_the_second_is_repainted_and_one_removed_while_training_then_a_silent_video_renders()
    {
        await using var h = await ServerHarness.Start();
        var created = await h.Client.PostAsync("/api/stylize", ServerHarness.Form([("video", "pattern.mp4", Silent(h, 8))]));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var project = await ServerHarness.Json(created);
        var id = project.GetProperty("id").GetString()!;
        var (w, hh, frames) = (project.GetProperty("width").GetInt32(), project.GetProperty("height").GetInt32(), project.GetProperty("frames").GetInt32());
        Assert.Equal(8, frames);
        Assert.Empty(Keyframes(project));
        var keys = Path.Combine(h.Data, "stylize", id, "keys");

        Assert.Equal(HttpStatusCode.OK, (await AddKey(h, id, 0, Solid(h, w, hh, 255, 0, 255))).StatusCode);
        var two = await ServerHarness.Json(await AddKey(h, id, 7, Solid(h, w, hh, 0, 255, 0)));
        Assert.Equal([0, 7], Keyframes(two));
        Assert.Equal((7, 2), (two.GetProperty("keyframe").GetInt32(), two.GetProperty("revision").GetInt32()));
        Assert.Equal(2, Directory.GetDirectories(keys).Length);

        // Frame numbers outside the video, frames that are not keyframes, a painting that is not a picture: refused, nothing kept.
        await AssertRejected(h, await AddKey(h, id, 8, Solid(h, w, hh, 255, 0, 0)), HttpStatusCode.BadRequest, "frame 8: the video has frames 0 to 7");
        await AssertRejected(h, await h.Client.DeleteAsync($"/api/stylize/{id}/keyframes/8"), HttpStatusCode.NotFound, "frame 8: the video has frames 0 to 7");
        await AssertRejected(h, await h.Client.DeleteAsync($"/api/stylize/{id}/keyframes/-1"), HttpStatusCode.NotFound, "frame -1: the video has frames 0 to 7");
        await AssertRejected(h, await h.Client.DeleteAsync($"/api/stylize/{id}/keyframes/3"), HttpStatusCode.NotFound, "frame 3 is not a keyframe; the keyframes are 0, 7");
        await AssertRejected(h, await AddKey(h, id, 3, "not a picture\n"u8.ToArray()), HttpStatusCode.UnsupportedMediaType, "painted: not a picture");
        Assert.Equal(2, Directory.GetDirectories(keys).Length);

        var train = await h.Client.PostAsync($"/api/stylize/{id}/train", ServerHarness.Form([], ("previews", "0, 7"), ("minutes", "5")));
        Assert.True(train.StatusCode == HttpStatusCode.Accepted, await train.Content.ReadAsStringAsync());
        var job = (await ServerHarness.Json(train)).GetProperty("id").GetString()!;
        await WaitProject(h, id, v => v.GetProperty("previews").GetArrayLength() == 2);

        // The second keyframe repainted while it trains: the same job goes on with both, from where it was.
        var before = (await Project(h, id)).GetProperty("steps").GetInt64();
        var repaint = await ServerHarness.Json(await AddKey(h, id, 7, Solid(h, w, hh, 255, 255, 0)));
        Assert.Equal([0, 7], Keyframes(repaint));
        Assert.Equal(3, repaint.GetProperty("keyframes")[1].GetProperty("revision").GetInt32());
        var repainted = await WaitProject(h, id, v => MinRevision(v) == 3);
        Assert.True(repainted.GetProperty("steps").GetInt64() > before);
        Assert.Equal(job, repainted.GetProperty("training").GetProperty("id").GetString());
        Assert.Equal("running", repainted.GetProperty("training").GetProperty("state").GetString());
        Assert.Equal(2, Directory.GetDirectories(keys).Length); // the old painting of frame 7 is gone
        Assert.Equal(HttpStatusCode.OK, (await h.Client.PostAsync($"/api/stylize/{id}/stop", null)).StatusCode);
        Assert.Equal("done", (await h.WaitJob(job, ServerHarness.StateIs("done", "failed", "cancelled"))).GetProperty("state").GetString());
        Assert.Equal(new long[] { 0, 7 }, await ModelKeys(h, id)); // trained on both

        // Training again, the first removed while it trains: the training goes on with the second; the last one cannot go.
        before = (await Project(h, id)).GetProperty("steps").GetInt64();
        job = (await ServerHarness.Json(await h.Client.PostAsync($"/api/stylize/{id}/train", null))).GetProperty("id").GetString()!;
        await WaitProject(h, id, v => v.GetProperty("steps").GetInt64() > before);
        before = (await Project(h, id)).GetProperty("steps").GetInt64();
        var removed = await h.Client.DeleteAsync($"/api/stylize/{id}/keyframes/0");
        Assert.True(removed.StatusCode == HttpStatusCode.OK, await removed.Content.ReadAsStringAsync());
        var one = await ServerHarness.Json(removed);
        Assert.Equal([7], Keyframes(one));
        var left = await WaitProject(h, id, v => MinRevision(v) == 4);
        Assert.True(left.GetProperty("steps").GetInt64() > before);
        Assert.Equal("running", left.GetProperty("training").GetProperty("state").GetString());
        Assert.Single(Directory.GetDirectories(keys));
        await AssertRejected(h, await h.Client.DeleteAsync($"/api/stylize/{id}/keyframes/7"), HttpStatusCode.Conflict, "only keyframe of the running training");

        var render = await h.Client.PostAsync($"/api/stylize/{id}/render", null);
        Assert.Equal(HttpStatusCode.Accepted, render.StatusCode);
        Assert.Equal("done", (await h.WaitJob(job, ServerHarness.StateIs("done", "failed", "cancelled"))).GetProperty("state").GetString());
        var renderJob = (await ServerHarness.Json(render)).GetProperty("id").GetString()!;
        Assert.Equal("done", (await h.WaitJob(renderJob, ServerHarness.StateIs("done", "failed", "cancelled"))).GetProperty("state").GetString());
        var path = Path.Combine(h.Root, "stylized.mp4");
        await File.WriteAllBytesAsync(path, await (await h.Client.GetAsync($"/api/jobs/{renderJob}/result")).Content.ReadAsByteArrayAsync());
        var info = MediaProbe.Probe(path);
        Assert.Equal((w, hh, (long)frames), (info.Width, info.Height, info.FrameCount));
        Assert.Null(info.Audio);
        Assert.Equal(new long[] { 7 }, await ModelKeys(h, id));

        // Not training: the last keyframe may go, and training then asks for a painting.
        Assert.Equal(HttpStatusCode.OK, (await h.Client.DeleteAsync($"/api/stylize/{id}/keyframes/7")).StatusCode);
        Assert.Empty(Directory.GetDirectories(keys));
        await AssertRejected(h, await h.Client.PostAsync($"/api/stylize/{id}/train", null), HttpStatusCode.Conflict, "paint a keyframe first");

        Assert.Equal(HttpStatusCode.OK, (await h.Client.DeleteAsync($"/api/stylize/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await h.Client.DeleteAsync($"/api/jobs/{renderJob}")).StatusCode);
        Assert.Empty(h.DataFiles());
    }
}
