using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>
/// Load on loopback, bounded in count and time: 20 clients submitting at once and 200 bad requests beside them. The
/// queue stays bounded (the rest get 429 with Retry-After), every accepted job completes, the server stays up, and
/// nothing is left on disk once the jobs are deleted.
/// </summary>
public class LoadTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Twenty_clients_and_two_hundred_bad_requests_leave_a_healthy_server_and_nothing_on_disk()
    {
        await using var h = await ServerHarness.Start(o => o with { QueueCapacity = 3 }, tinyModel: true);
        var portrait = ServerHarness.Portrait();
        var clip = h.DrivingClip();
        var text = "not a video"u8.ToArray();
        var clock = Stopwatch.StartNew();

        var submits = Enumerable.Range(0, 20).Select(_ => Task.Run(() => h.Animate(source: portrait, driving: clip))).ToList();
        await Task.WhenAny(submits); // the queue's slots are then held by good submissions, which will be accepted
        var bad = Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/animate");
            switch (i % 4)
            {
                case 0: // no token
                    request.Content = ServerHarness.Form([("source", "a.jpg", portrait)]);
                    return await h.Anonymous.SendAsync(request);
                case 1: // a text file named .mp4
                    request.Content = ServerHarness.Form([("source", "a.jpg", portrait), ("driving", "b.mp4", text)], ("model", "tiny"));
                    break;
                case 2: // no such model
                    request.Content = ServerHarness.Form([("source", "a.jpg", portrait), ("driving", "b.mp4", clip)], ("model", "../tiny"));
                    break;
                default: // not a form
                    request.Content = new StringContent("{}");
                    break;
            }
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServerHarness.Token);
            return await h.Anonymous.SendAsync(request);
        })).ToList();

        var accepted = new List<string>();
        foreach (var response in await Task.WhenAll(submits))
        {
            if (response.StatusCode == HttpStatusCode.Accepted) accepted.Add((await ServerHarness.Json(response)).GetProperty("id").GetString()!);
            else
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                Assert.NotNull(response.Headers.RetryAfter);
            }
        }
        foreach (var response in await Task.WhenAll(bad))
        {
            Assert.Contains((int)response.StatusCode, new[] { 400, 401, 415, 429 });
            Assert.False(string.IsNullOrEmpty((await ServerHarness.Json(response)).GetProperty("error").GetString()));
        }
        Assert.InRange(accepted.Count, 1, 4); // one running + three waiting at most
        foreach (var id in accepted)
            Assert.Equal("done", (await h.WaitJob(id, ServerHarness.StateIs("done", "failed"))).GetProperty("state").GetString());
        output.WriteLine($"{accepted.Count} of 20 accepted, all done, with 200 bad requests, in {clock.Elapsed.TotalSeconds:0.0} s");

        Assert.Equal(HttpStatusCode.OK, (await h.Anonymous.GetAsync("/api/health")).StatusCode);
        Assert.Equal(accepted.Count, Directory.GetDirectories(h.JobsFolder).Length);
        foreach (var id in accepted) Assert.Equal(HttpStatusCode.OK, (await h.Client.DeleteAsync($"/api/jobs/{id}")).StatusCode);
        Assert.Empty(h.DataFiles());
        Assert.Empty(Directory.GetDirectories(h.JobsFolder));
    }
}
