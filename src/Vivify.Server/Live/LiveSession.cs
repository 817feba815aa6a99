using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using Vivify.Media;
using Vivify.Motion;
using Vivify.Server.Animate;
using Vivify.Server.Jobs;
using Vivify.Torch;

namespace Vivify.Server.Live;

/// <summary>
/// One live session on its WebSocket. It holds the device while open (<see cref="JobQueue.HoldDevice"/>: refused
/// with a JSON error while a job runs or waits; jobs submitted meanwhile wait behind it), prepares the picture once,
/// then answers camera frames with animated ones. The wire format, both ways raw pixels at the model's size (no
/// encoding or decoding on either side: the page draws and reads a canvas; on loopback or a LAN the bytes are cheaper
/// than JPEG's milliseconds):
/// <list type="bullet">
/// <item>server → client, text: <c>{"type":"ready","width","height","model","precision","compute"}</c> once the
/// model is loaded; <c>{"type":"reset"}</c> acknowledging a reset; <c>{"error":"one line"}</c> for a bad message
/// (the socket stays usable) or a failure (then it closes).</item>
/// <item>client → server, binary: a uint32 sequence number (little-endian), then width × height RGBA pixels, rows top
/// to bottom; text: <c>{"type":"reset"}</c>: the next frame becomes the initial pose (the picture's).</item>
/// <item>server → client, binary: uint32 the frame's sequence number, uint32 frames dropped so far, float32 server
/// milliseconds for this frame, then width × height RGBA pixels.</item>
/// </list>
/// Stale frames are dropped, never queued: frames are read as they come into a slot that keeps only the newest
/// (a frame overwritten unanimated counts as dropped), and the network takes the newest when it is free. Buffers are
/// allocated once per session. The session owns its two semaphores: whoever creates it disposes it once
/// <see cref="RunAsync"/> has returned (the socket closed, or the server stopping; the network's loop has ended by then).
/// </summary>
internal sealed class LiveSession(WebSocket socket, LiveRequest request, JobQueue queue, AnimatorCache animators, TextWriter log) : IDisposable
{
    public const int RequestHeader = 4;
    public const int ReplyHeader = 12;
    private const int MaxTextBytes = 1024;

    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly SemaphoreSlim _arrived = new(0, 1);
    private readonly object _lock = new();
    private byte[] _receiving = [], _pending = [], _working = [];
    private bool _hasPending, _reset;
    private int _dropped;
    private bool _disposed;

    /// <summary>Serves the socket until it closes or <paramref name="cancel"/> fires; once per session.</summary>
    public async Task RunAsync(CancellationToken cancel)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            IDisposable lease;
            try { lease = queue.HoldDevice(); }
            catch (ApiException e)
            {
                await Fail(e.Message, cancel);
                return;
            }
            using (lease) await Serve(cancel);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { } // the page went away, or the server stops
        finally
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived) socket.Abort();
        }
    }

    private async Task Serve(CancellationToken cancel)
    {
        Animator animator;
        AnimationSource source;
        try
        {
            // Computed on threads that end with the work (see TorchThreads): no idle OpenMP team is left behind.
            animator = await TorchThreads.OnOwnThread(() => animators.Get(request.Model, request.BFloat16), "vivify live");
            source = await TorchThreads.OnOwnThread(() => animator.PrepareSource(request.Picture, "source"), "vivify live");
        }
        catch (VivifyException e)
        {
            var names = new Dictionary<string, string> { [request.Model.Checkpoint] = Path.GetFileName(request.Model.Checkpoint), [request.Model.Config] = Path.GetFileName(request.Model.Config) };
            await Fail(JsonErrors.OneLine(e.Message, names), cancel);
            return;
        }
        using (source)
        using (var session = animator.StartDriving(source, new AnimateOptions { Mode = request.Relative ? MotionMode.Relative : MotionMode.Absolute }))
        {
            var (height, width) = animator.FrameSize;
            var size = RequestHeader + width * height * 4;
            (_receiving, _pending, _working) = (new byte[size], new byte[size], new byte[size]);
            var compute = request.BFloat16 && !BFloat16Compute.FastOnThisCpu ? "bf16 weights computed in float32 (faster on this CPU)" : request.BFloat16 ? "bf16" : "fp32";
            await SendText(new { type = "ready", width, height, model = request.Model.Name, precision = request.BFloat16 ? "bf16" : "fp32", compute }, cancel);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            var worker = TorchThreads.OnOwnThread(() => Animate(session, width, height, stop.Token), "vivify live");
            try { await Receive(width, height, stop.Token); }
            finally
            {
                await stop.CancelAsync();
                try { await worker; }
                catch (OperationCanceledException) { }
            }
        }
    }

    /// <summary>Reads messages until the client closes: frames into the newest-only slot, resets, errors answered.</summary>
    private async Task Receive(int width, int height, CancellationToken cancel)
    {
        var overflow = new byte[64 * 1024];
        while (true)
        {
            int length = 0, total = 0;
            WebSocketReceiveResult result;
            do
            {
                var room = _receiving.Length - length;
                result = room > 0
                    ? await socket.ReceiveAsync(new ArraySegment<byte>(_receiving, length, room), cancel)
                    : await socket.ReceiveAsync(new ArraySegment<byte>(overflow), cancel);
                if (room > 0) length += result.Count;
                total += result.Count;
            } while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (socket.State == WebSocketState.CloseReceived)
                    await Send(() => socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None), CancellationToken.None);
                return;
            }
            if (result.MessageType == WebSocketMessageType.Text)
                await Command(total <= MaxTextBytes ? _receiving.AsSpan(0, length).ToArray() : null, cancel);
            else if (total != _receiving.Length)
                await SendText(new { error = $"a frame is a binary message of {_receiving.Length} bytes (a uint32 sequence number, then {width}x{height} RGBA pixels); got {total}" }, cancel);
            else
                lock (_lock)
                {
                    (_receiving, _pending) = (_pending, _receiving);
                    if (_hasPending) _dropped++;
                    else
                    {
                        _hasPending = true;
                        _arrived.Release();
                    }
                }
        }
    }

    private async Task Command(byte[]? text, CancellationToken cancel)
    {
        string? type = null;
        try
        {
            if (text is not null)
                using (var json = JsonDocument.Parse(text))
                    if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String)
                        type = t.GetString();
        }
        catch (JsonException) { }
        if (type == "reset")
        {
            lock (_lock) _reset = true;
            await SendText(new { type = "reset" }, cancel);
        }
        else
            await SendText(new { error = "a text message is {\"type\":\"reset\"} (the next frame becomes the initial pose); frames are binary messages" }, cancel);
    }

    /// <summary>
    /// The network's loop: the newest frame when there is one, animated, sent back. Synchronous, on a thread of its own
    /// for the whole session (every frame on the same thread, which keeps one OpenMP team: see TorchThreads).
    /// </summary>
    private void Animate(DrivingSession session, int width, int height, CancellationToken cancel)
    {
        var rgb = new byte[width * height * 3];
        var reply = new byte[ReplyHeader + width * height * 4];
        try
        {
            while (true)
            {
                _arrived.Wait(cancel);
                bool reset;
                int dropped;
                lock (_lock)
                {
                    (_pending, _working) = (_working, _pending);
                    _hasPending = false;
                    (reset, _reset) = (_reset, false);
                    dropped = _dropped;
                }
                var watch = Stopwatch.StartNew();
                TimingTrace.Mark("live frame taken");
                var frame = _working.AsSpan(RequestHeader);
                for (int p = 0, q = 0; q < rgb.Length; p += 4, q += 3)
                {
                    rgb[q] = frame[p];
                    rgb[q + 1] = frame[p + 1];
                    rgb[q + 2] = frame[p + 2];
                }
                if (reset) session.ResetInitialFrame();
                var animated = session.Animate(new RgbFrame(width, height, rgb)).Data;
                for (int p = ReplyHeader, q = 0; q < animated.Length; p += 4, q += 3)
                {
                    reply[p] = animated[q];
                    reply[p + 1] = animated[q + 1];
                    reply[p + 2] = animated[q + 2];
                    reply[p + 3] = 255;
                }
                _working.AsSpan(0, RequestHeader).CopyTo(reply);
                BinaryPrimitives.WriteInt32LittleEndian(reply.AsSpan(4), dropped);
                BinaryPrimitives.WriteSingleLittleEndian(reply.AsSpan(8), (float)watch.Elapsed.TotalMilliseconds);
                Send(() => socket.SendAsync(new ArraySegment<byte>(reply), WebSocketMessageType.Binary, true, cancel), cancel).GetAwaiter().GetResult();
                TimingTrace.Mark("live frame sent");
            }
        }
        catch (Exception e) when (e is not OperationCanceledException and not WebSocketException)
        {
            if (e is not VivifyException) lock (log) log.WriteLine($"vivify serve: live session: {e}");
            Fail(e is VivifyException ? JsonErrors.OneLine(e.Message) : "internal error; the server's log has the details", CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    /// <summary>A JSON error, then the socket closed (the receive loop sees the client's answer and ends).</summary>
    private async Task Fail(string message, CancellationToken cancel)
    {
        try
        {
            await SendText(new { error = message }, cancel);
            await Send(() => socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "refused", cancel), cancel);
        }
        catch (WebSocketException) { }
    }

    private Task SendText(object message, CancellationToken cancel)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, ApiEndpoints.Json);
        return Send(() => socket.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Text, true, cancel), cancel);
    }

    /// <summary>One send at a time (the receive loop answers commands while the worker sends frames).</summary>
    private async Task Send(Func<Task> send, CancellationToken cancel)
    {
        await _sending.WaitAsync(cancel);
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived) await send();
        }
        finally { _sending.Release(); }
    }

    /// <summary>Releases the semaphores; idempotent. Not while <see cref="RunAsync"/> runs.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _sending.Dispose();
        _arrived.Dispose();
    }
}
