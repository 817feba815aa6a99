using System.Buffers.Binary;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Vivify.Cli.Tests;
using Vivify.Media;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>A live session from the test's side: POST /api/live, then the WebSocket, with the wire format of Live/LiveSession.cs.</summary>
internal sealed class LiveClient : IDisposable
{
    private LiveClient(ClientWebSocket socket) => Socket = socket;

    public ClientWebSocket Socket { get; }

    /// <summary>POST /api/live with the sample portrait and the tiny model: the response as it came.</summary>
    public static Task<HttpResponseMessage> Create(ServerHarness h, HttpClient? client = null, params (string, string)[] fields) =>
        (client ?? h.Client).PostAsync("/api/live", ServerHarness.Form([("source", "portrait.jpg", ServerHarness.Portrait())], [("model", "tiny"), .. fields]));

    public static async Task<string> CreateId(ServerHarness h)
    {
        var response = await Create(h);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await ServerHarness.Json(response)).GetProperty("id").GetString()!;
    }

    public static Uri Address(ServerHarness h, string id) => new(h.Server.Address.Replace("http://", "ws://", StringComparison.Ordinal) + "/api/live/" + id);

    public static async Task<LiveClient> Connect(ServerHarness h, string id, string? token = ServerHarness.Token, string? origin = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (token is not null) socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        if (origin is not null) socket.Options.SetRequestHeader("Origin", origin);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await socket.ConnectAsync(Address(h, id), timeout.Token); }
        catch (WebSocketException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new LiveConnectException(status);
        }
        return new LiveClient(socket);
    }

    /// <summary>The next message: its type and bytes (a close gives type Close and no bytes).</summary>
    public async Task<(WebSocketMessageType Type, byte[] Bytes)> Receive(double seconds = 60)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        using var message = new MemoryStream();
        var buffer = new byte[64 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await Socket.ReceiveAsync(new ArraySegment<byte>(buffer), timeout.Token);
            message.Write(buffer, 0, result.Count);
        } while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
        return (result.MessageType, message.ToArray());
    }

    public async Task<JsonElement> ReceiveJson(double seconds = 60)
    {
        var (type, bytes) = await Receive(seconds);
        Assert.True(type == WebSocketMessageType.Text, $"expected a text message, got {type} ({bytes.Length} bytes)");
        return JsonDocument.Parse(bytes).RootElement;
    }

    /// <summary>Waits for {"type":"ready"} and returns the frame size it gives.</summary>
    public async Task<(int Width, int Height)> Ready()
    {
        var ready = await ReceiveJson();
        Assert.True(ready.TryGetProperty("type", out var t) && t.GetString() == "ready", ready.ToString());
        return (ready.GetProperty("width").GetInt32(), ready.GetProperty("height").GetInt32());
    }

    public Task SendText(string text) => Socket.SendAsync(new ArraySegment<byte>(Encoding.UTF8.GetBytes(text)), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task SendBytes(byte[] bytes) => Socket.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Binary, true, CancellationToken.None);

    /// <summary>A frame message: the sequence number, then <paramref name="frame"/> as RGBA.</summary>
    public static byte[] FrameMessage(uint sequence, RgbFrame frame)
    {
        var message = new byte[4 + frame.Width * frame.Height * 4];
        BinaryPrimitives.WriteUInt32LittleEndian(message, sequence);
        for (int p = 4, q = 0; q < frame.Data.Length; p += 4, q += 3)
        {
            message[p] = frame.Data[q];
            message[p + 1] = frame.Data[q + 1];
            message[p + 2] = frame.Data[q + 2];
            message[p + 3] = 255;
        }
        return message;
    }

    /// <summary>A reply's header (sequence, dropped so far, server ms) and its pixels as an RGB frame (the alpha checked opaque).</summary>
    public static (uint Sequence, int Dropped, float ServerMs, RgbFrame Frame) ParseReply(byte[] reply, int width, int height)
    {
        Assert.Equal(12 + width * height * 4, reply.Length);
        var rgb = new byte[width * height * 3];
        for (int p = 12, q = 0; q < rgb.Length; p += 4, q += 3)
        {
            rgb[q] = reply[p];
            rgb[q + 1] = reply[p + 1];
            rgb[q + 2] = reply[p + 2];
            Assert.Equal(255, reply[p + 3]);
        }
        return (BinaryPrimitives.ReadUInt32LittleEndian(reply), BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(4)),
                BinaryPrimitives.ReadSingleLittleEndian(reply.AsSpan(8)), new RgbFrame(width, height, rgb));
    }

    /// <summary>Driving frames: the first frames of Megamind.avi at the tiny model's size.</summary>
    public static List<RgbFrame> DrivingFrames(int count)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        return [.. VideoSource.Open(TinyMotionModel.Sample("Megamind.avi")).Frames(0, count)
            .Select(f => RgbFrame.FromTensor(Geometry.Resize(f.ToTensor(), TinyMotionModel.Size, TinyMotionModel.Size)))];
    }

    public async Task Close()
    {
        if (Socket.State == WebSocketState.Open)
            await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    public void Dispose() => Socket.Dispose();
}

internal sealed class LiveConnectException(HttpStatusCode status) : Exception($"the WebSocket handshake failed with {(int)status}")
{
    public HttpStatusCode Status { get; } = status;
}
