using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Vivify.Cli.Tests;
using Vivify.Media;
using Vivify.Motion;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>The live session's WebSocket (/api/live/ID) with the tiny model: access, frames in and out, bad messages, stale frames, the device rule.</summary>
public class LiveSocketTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Size = TinyMotionModel.Size;

    [Fact]
    public async Task Without_the_token_or_from_another_origin_the_live_session_is_refused()
    {
        await using var h = await ServerHarness.Start(tinyModel: true);
        var anonymous = await LiveClient.Create(h, h.Anonymous);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.True((await ServerHarness.Json(anonymous)).TryGetProperty("error", out _));

        var id = await LiveClient.CreateId(h);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<LiveConnectException>(() => LiveClient.Connect(h, id, token: null))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<LiveConnectException>(() => LiveClient.Connect(h, id, token: "wrong-token-123"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<LiveConnectException>(() => LiveClient.Connect(h, id, origin: "http://127.0.0.1:1"))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<LiveConnectException>(() => LiveClient.Connect(h, "0123456789abcdef0123456789abcdef"))).Status);
        // A plain GET of the socket's address is a JSON error, not a hang.
        var plain = await h.Client.GetAsync($"/api/live/{id}");
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        Assert.Contains("WebSocket", (await ServerHarness.Json(plain)).GetProperty("error").GetString());

        // The refusals used nothing up: the session opens with the token, from the page's own origin.
        using var live = await LiveClient.Connect(h, id, origin: h.Server.Address);
        Assert.Equal((Size, Size), await live.Ready());
        await live.Close();
        Assert.Empty(h.DataFiles());
    }

    [Fact]
    public async Task Each_frame_in_gives_the_librarys_animated_frame_out_relative_to_the_first_or_to_a_reset_pose()
    {
        await using var h = await ServerHarness.Start(tinyModel: true);
        var frames = LiveClient.DrivingFrames(3);
        using var live = await LiveClient.Connect(h, await LiveClient.CreateId(h));
        Assert.Equal((Size, Size), await live.Ready());

        // The same through the library: the picture decoded as the server decodes uploads, one session.
        using var animator = Animator.Load(Path.Combine(h.Models, "tiny.yaml"), Path.Combine(h.Models, "tiny.pth.tar"));
        using var source = animator.PrepareSource(ImageIO.ReadFrame(TinyMotionModel.Sample("sample1.jpg")));
        using var session = animator.StartDriving(source);

        for (var i = 0; i < frames.Count; i++)
        {
            if (i == 2)
            {
                await live.SendText("""{"type":"reset"}""");
                Assert.Equal("reset", (await live.ReceiveJson()).GetProperty("type").GetString());
                session.ResetInitialFrame();
            }
            await live.SendBytes(LiveClient.FrameMessage((uint)(100 + i), frames[i]));
            var (type, bytes) = await live.Receive();
            Assert.Equal(WebSocketMessageType.Binary, type);
            var (sequence, dropped, serverMs, got) = LiveClient.ParseReply(bytes, Size, Size);
            Assert.Equal((uint)(100 + i), sequence);
            Assert.Equal(0, dropped);
            Assert.True(serverMs > 0, $"server time {serverMs}");
            var expected = session.Animate(frames[i]);
            var diff = got.Data.Zip(expected.Data, (a, b) => Math.Abs(a - b)).Max();
            output.WriteLine($"frame {i}: {serverMs:F1} ms on the server, largest difference from the library {diff}");
            Assert.Equal(expected.Data, got.Data); // the same computation in the same process: byte for byte
        }
        // Not the source unchanged: the motion of the frames moved it.
        Assert.NotEqual(RgbFrame.FromTensor(source.Image).Data, session.Animate(frames[1]).Data);
        await live.Close();
    }

    [Fact]
    public async Task A_bad_message_gets_a_json_error_and_the_socket_stays_usable()
    {
        await using var h = await ServerHarness.Start(tinyModel: true);
        using var live = await LiveClient.Connect(h, await LiveClient.CreateId(h));
        await live.Ready();
        await live.SendText("hello, not json");
        Assert.Contains("reset", (await live.ReceiveJson()).GetProperty("error").GetString());
        await live.SendText("""{"type":"explode"}""");
        Assert.True((await live.ReceiveJson()).TryGetProperty("error", out _));
        await live.SendBytes(new byte[10]);
        var error = (await live.ReceiveJson()).GetProperty("error").GetString()!;
        Assert.Contains($"{4 + Size * Size * 4} bytes", error);
        Assert.Contains("got 10", error);
        await live.SendBytes(new byte[4 + Size * Size * 4 + 70_000]); // longer than a frame, past the read buffer
        Assert.Contains("got", (await live.ReceiveJson()).GetProperty("error").GetString());

        await live.SendBytes(LiveClient.FrameMessage(5, LiveClient.DrivingFrames(1)[0]));
        var (type, bytes) = await live.Receive();
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(5u, LiveClient.ParseReply(bytes, Size, Size).Sequence);
        await live.Close();
        Assert.Equal(WebSocketState.Closed, live.Socket.State);
    }

    [Fact]
    public async Task Stale_frames_are_dropped_not_queued_and_the_newest_is_answered()
    {
        await using var h = await ServerHarness.Start(tinyModel: true);
        var frames = LiveClient.DrivingFrames(10);
        using var live = await LiveClient.Connect(h, await LiveClient.CreateId(h));
        await live.Ready();
        // One frame alone first: the time a round trip takes here.
        var watch = Stopwatch.StartNew();
        await live.SendBytes(LiveClient.FrameMessage(1000, frames[0]));
        await live.Receive();
        var single = watch.Elapsed;

        var messages = frames.Select((f, i) => LiveClient.FrameMessage((uint)i, f)).ToList();
        watch.Restart();
        foreach (var m in messages) await live.SendBytes(m);
        var sent = watch.Elapsed;
        var answered = new List<uint>();
        int dropped;
        while (true)
        {
            var (type, bytes) = await live.Receive();
            Assert.Equal(WebSocketMessageType.Binary, type);
            var reply = LiveClient.ParseReply(bytes, Size, Size);
            answered.Add(reply.Sequence);
            dropped = reply.Dropped;
            if (reply.Sequence == 9) break;
        }
        var last = watch.Elapsed - sent;
        output.WriteLine($"one frame alone {single.TotalMilliseconds:F0} ms; 10 sent in {sent.TotalMilliseconds:F0} ms; answered [{string.Join(", ", answered)}], " +
                         $"{dropped} dropped; the newest answered {last.TotalMilliseconds:F0} ms after the last was sent");
        Assert.True(answered.Count <= 4, $"answered {answered.Count} of 10: stale frames were queued");
        Assert.Equal(answered.Order(), answered); // in order, newest last
        Assert.Equal(10 - answered.Count, dropped);
        // Bounded: the newest waits for at most the frame being animated when it came, not for the ones before it.
        Assert.True(last < 3 * single + TimeSpan.FromSeconds(2), $"the newest frame took {last.TotalMilliseconds:F0} ms (one alone: {single.TotalMilliseconds:F0} ms)");
        // Nothing more comes: no queued frame is answered later.
        await live.SendText("""{"type":"reset"}""");
        Assert.Equal("reset", (await live.ReceiveJson()).GetProperty("type").GetString());
        await live.Close();
    }

    [Fact]
    public async Task A_live_session_holds_the_device_refused_while_a_job_runs_and_jobs_wait_behind_it()
    {
        using var gate = new GateRunner();
        await using var h = await ServerHarness.Start(runner: gate, tinyModel: true);
        var first = (await ServerHarness.Json(await h.Animate())).GetProperty("id").GetString()!;
        await gate.WaitStarted();
        var refused = await LiveClient.Create(h);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("job is running or waiting", (await ServerHarness.Json(refused)).GetProperty("error").GetString());

        // A session asked for while the device was free, whose socket comes while a job runs: refused over the socket.
        gate.Release();
        await h.WaitJob(first, ServerHarness.StateIs("done"));
        var late = await LiveClient.CreateId(h);
        var second = (await ServerHarness.Json(await h.Animate())).GetProperty("id").GetString()!;
        await gate.WaitStarted();
        using (var refusedLive = await LiveClient.Connect(h, late))
        {
            Assert.Contains("job is running or waiting", (await refusedLive.ReceiveJson()).GetProperty("error").GetString());
            Assert.Equal(WebSocketMessageType.Close, (await refusedLive.Receive()).Type);
        }
        gate.Release();
        await h.WaitJob(second, ServerHarness.StateIs("done"));

        // An open session: a second one is refused, a job waits behind it (position 1) and starts when it closes.
        using var live = await LiveClient.Connect(h, await LiveClient.CreateId(h));
        await live.Ready();
        Assert.Contains("another live session", (await ServerHarness.Json(await LiveClient.Create(h))).GetProperty("error").GetString());
        var third = (await ServerHarness.Json(await h.Animate())).GetProperty("id").GetString()!;
        await Task.Delay(1000);
        var waiting = await ServerHarness.Json(await h.Client.GetAsync($"/api/jobs/{third}"));
        Assert.Equal("queued", waiting.GetProperty("state").GetString());
        Assert.Equal(1, waiting.GetProperty("position").GetInt32());
        Assert.Equal(2, gate.Seen.Count);
        await live.SendBytes(LiveClient.FrameMessage(1, LiveClient.DrivingFrames(1)[0]));
        Assert.Equal(WebSocketMessageType.Binary, (await live.Receive()).Type);
        await live.Close();
        await gate.WaitStarted();
        gate.Release();
        Assert.Equal("done", (await h.WaitJob(third, ServerHarness.StateIs("done"))).GetProperty("state").GetString());
        Assert.Equal(1, gate.MaxRunning);
    }

    [Fact]
    public async Task Stopping_the_server_ends_an_open_live_session_at_once()
    {
        var h = await ServerHarness.Start(tinyModel: true);
        using var live = await LiveClient.Connect(h, await LiveClient.CreateId(h));
        await live.Ready();
        await live.SendBytes(LiveClient.FrameMessage(1, LiveClient.DrivingFrames(1)[0]));
        Assert.Equal(WebSocketMessageType.Binary, (await live.Receive()).Type);
        Assert.Empty(h.DataFiles()); // the picture is held in memory, not on disk
        var watch = Stopwatch.StartNew();
        await h.DisposeAsync(); // Ctrl-C's graceful stop
        output.WriteLine($"stopped in {watch.ElapsedMilliseconds} ms");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"stopping took {watch.Elapsed.TotalSeconds:F1} s with a live session open");
        try { Assert.Equal(WebSocketMessageType.Close, (await live.Receive(10)).Type); }
        catch (WebSocketException) { } // or the connection was simply cut
        Assert.NotEqual(WebSocketState.Open, live.Socket.State);
    }

    [Fact]
    public async Task Bad_live_requests_are_json_errors_and_leave_nothing_on_disk()
    {
        await using var h = await ServerHarness.Start(tinyModel: true);
        async Task<string> Error(HttpResponseMessage r, HttpStatusCode status)
        {
            Assert.Equal(status, r.StatusCode);
            return (await ServerHarness.Json(r)).GetProperty("error").GetString()!;
        }
        Assert.Contains("no such model", await Error(await h.Client.PostAsync("/api/live",
            ServerHarness.Form([("source", "p.jpg", ServerHarness.Portrait())], ("model", "nope"))), HttpStatusCode.BadRequest));
        Assert.Contains("precision", await Error(await LiveClient.Create(h, null, ("precision", "fp8")), HttpStatusCode.BadRequest));
        Assert.Contains("not a picture", await Error(await h.Client.PostAsync("/api/live",
            ServerHarness.Form([("source", "../../etc/p.jpg", "not a picture"u8.ToArray())], ("model", "tiny"))), HttpStatusCode.UnsupportedMediaType));
        Assert.Contains("'source'", await Error(await h.Client.PostAsync("/api/live", ServerHarness.Form([], ("model", "tiny"))), HttpStatusCode.BadRequest));
        Assert.Empty(h.DataFiles());
        Assert.Equal("ok", (await ServerHarness.Json(await h.Client.GetAsync("/api/health"))).GetProperty("status").GetString());
    }
}
