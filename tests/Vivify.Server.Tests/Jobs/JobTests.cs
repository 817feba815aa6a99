using System.Net;
using Vivify.Media;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>The job queue: one job at a time, positions, 429 when full, cancel, time to live, shutdown.</summary>
public class JobTests
{
    private static async Task<string> Submit(ServerHarness h)
    {
        var response = await h.Animate();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await ServerHarness.Json(response)).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task One_job_runs_at_a_time_behind_a_bounded_queue_and_a_full_queue_is_429_with_Retry_After()
    {
        using var gate = new GateRunner();
        await using var h = await ServerHarness.Start(o => o with { QueueCapacity = 2 }, gate, tinyModel: true);
        var first = await Submit(h);
        await gate.WaitStarted();
        var second = await Submit(h);
        var third = await Submit(h);
        Assert.Equal(1, (await h.WaitJob(second, _ => true)).GetProperty("position").GetInt32());
        Assert.Equal(2, (await h.WaitJob(third, _ => true)).GetProperty("position").GetInt32());
        var running = await h.WaitJob(first, _ => true);
        Assert.Equal("running", running.GetProperty("state").GetString());
        Assert.Equal(0.5, running.GetProperty("progress").GetDouble());

        var full = await h.Animate();
        Assert.Equal(HttpStatusCode.TooManyRequests, full.StatusCode);
        Assert.True(full.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("queue is full", (await ServerHarness.Json(full)).GetProperty("error").GetString());
        Assert.Equal(3, Directory.GetDirectories(h.JobsFolder).Length); // the refused upload left nothing

        gate.Release(3);
        foreach (var id in new[] { first, second, third })
            Assert.Equal("done", (await h.WaitJob(id, ServerHarness.StateIs("done"))).GetProperty("state").GetString());
        Assert.Equal(1, gate.MaxRunning);
        Assert.Equal(HttpStatusCode.Accepted, (await h.Animate()).StatusCode); // room again
        gate.Release();
    }

    [Fact]
    public async Task Cancelling_a_running_or_queued_job_stops_it_and_removes_its_files()
    {
        using var gate = new GateRunner();
        await using var h = await ServerHarness.Start(runner: gate, tinyModel: true);
        var running = await Submit(h);
        await gate.WaitStarted();
        var queued = await Submit(h);

        var deleted = await h.Client.DeleteAsync($"/api/jobs/{queued}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal("cancelled", (await ServerHarness.Json(deleted)).GetProperty("state").GetString());
        Assert.False(Directory.Exists(Path.Combine(h.JobsFolder, queued)));

        Assert.Equal(HttpStatusCode.OK, (await h.Client.DeleteAsync($"/api/jobs/{running}")).StatusCode);
        var view = await h.WaitJob(running, ServerHarness.StateIs("cancelled"));
        Assert.Equal("cancelled", view.GetProperty("state").GetString());
        Assert.Equal(1, gate.Cancelled);
        Assert.Empty(h.DataFiles());
        var result = await h.Client.GetAsync($"/api/jobs/{running}/result");
        Assert.Equal(HttpStatusCode.Conflict, result.StatusCode);
        Assert.Contains("cancelled", (await ServerHarness.Json(result)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Finished_jobs_are_removed_after_their_time_to_live()
    {
        using var gate = new GateRunner();
        await using var h = await ServerHarness.Start(o => o with { JobTimeToLive = TimeSpan.FromMilliseconds(300), SweepInterval = TimeSpan.FromMilliseconds(100) }, gate, tinyModel: true);
        var id = await Submit(h);
        gate.Release();
        Assert.Equal("done", (await h.WaitJob(id, ServerHarness.StateIs("done"))).GetProperty("state").GetString());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await h.Client.GetAsync($"/api/jobs/{id}")).StatusCode != HttpStatusCode.NotFound && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(HttpStatusCode.NotFound, (await h.Client.GetAsync($"/api/jobs/{id}")).StatusCode);
        Assert.Empty(h.DataFiles());
    }

    [Fact]
    public async Task Stopping_the_server_cancels_the_running_job_and_leaves_no_job_files()
    {
        using var gate = new GateRunner();
        var h = await ServerHarness.Start(runner: gate, tinyModel: true);
        try
        {
            await Submit(h);
            await gate.WaitStarted();
            await Submit(h);
            await h.Server.DisposeAsync();
            Assert.Equal(1, gate.Cancelled);
            Assert.Single(gate.Seen); // the waiting job never started
            Assert.Empty(h.DataFiles());
        }
        finally { try { Directory.Delete(h.Root, recursive: true); } catch (IOException) { } }
    }

    [Fact]
    public async Task A_tiny_model_animates_the_sample_portrait_end_to_end_with_progress_as_server_sent_events()
    {
        await using var h = await ServerHarness.Start(tinyModel: true);
        var id = await Submit(h);
        using var events = await h.Client.GetStreamAsync($"/api/jobs/{id}/events");
        using var reader = new StreamReader(events);
        var states = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
            if (line.StartsWith("data: ", StringComparison.Ordinal))
                states.Add(System.Text.Json.JsonDocument.Parse(line[6..]).RootElement.GetProperty("state").GetString()!);
        Assert.Equal("done", states[^1]);
        Assert.All(states, s => Assert.Contains(s, new[] { "queued", "running", "done" }));

        var view = await h.WaitJob(id, _ => true);
        Assert.Equal(1.0, view.GetProperty("progress").GetDouble());
        var result = await h.Client.GetAsync($"/api/jobs/{id}/result");
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal("video/mp4", result.Content.Headers.ContentType?.MediaType);
        var path = Path.Combine(h.Root, "result.mp4");
        await File.WriteAllBytesAsync(path, await result.Content.ReadAsByteArrayAsync());
        var info = MediaProbe.Probe(path);
        Assert.Equal((64, 64, 6L), (info.Width, info.Height, info.FrameCount));
        Assert.Equal([Path.Combine("jobs", id, "result.mp4")], h.DataFiles()); // the uploads are gone once it finished

        // A range request (how a <video> element seeks) is answered in part.
        using var range = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{id}/result");
        range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 99);
        var partial = await h.Client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(100, (await partial.Content.ReadAsByteArrayAsync()).Length);

        Assert.Equal(HttpStatusCode.OK, (await h.Client.DeleteAsync($"/api/jobs/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await h.Client.GetAsync($"/api/jobs/{id}")).StatusCode);
        Assert.Empty(h.DataFiles());
    }

    [Fact]
    public async Task A_job_that_fails_in_the_library_says_why_in_one_line_without_server_paths()
    {
        await using var h = await ServerHarness.Start(tinyModel: true);
        await File.WriteAllTextAsync(Path.Combine(h.Models, "broken.yaml"), await File.ReadAllTextAsync(Path.Combine(h.Models, "tiny.yaml")));
        await File.WriteAllBytesAsync(Path.Combine(h.Models, "broken.pth.tar"), new byte[] { 0x50, 0x4b, 3, 4, 0, 0, 0 });
        var response = await h.Animate(model: "broken");
        var id = (await ServerHarness.Json(response)).GetProperty("id").GetString()!;
        var view = await h.WaitJob(id, ServerHarness.StateIs("failed", "done"));
        Assert.Equal("failed", view.GetProperty("state").GetString());
        var error = view.GetProperty("error").GetString()!;
        Assert.DoesNotContain(h.Root, error);
        Assert.DoesNotContain('\n', error);
        Assert.Empty(h.DataFiles());
        // The server goes on: the next job with a good model is done.
        var next = (await ServerHarness.Json(await h.Animate())).GetProperty("id").GetString()!;
        Assert.Equal("done", (await h.WaitJob(next, ServerHarness.StateIs("failed", "done"))).GetProperty("state").GetString());
    }
}
