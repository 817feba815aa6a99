using System.Net.WebSockets;
using Vivify.Media;
using Vivify.Server.Animate;
using Vivify.Server.Jobs;
using Vivify.Server.Live;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>A live session's own lifetime (Live/LiveSession.cs): it owns two semaphores and releases them when disposed.</summary>
public sealed class LiveSessionTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vivify-live-session").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_disposed_session_refuses_to_run_and_disposing_twice_is_safe()
    {
        using var runner = new GateRunner();
        using var queue = new JobQueue(new ServerOptions { ModelsDir = _root, DataDir = _root }, runner, TextWriter.Null);
        using var animators = new AnimatorCache(1);
        using var stream = new MemoryStream();
        using var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true });
        var request = new LiveRequest(new ModelEntry("none", Path.Combine(_root, "none.pth"), Path.Combine(_root, "none.yaml")), new RgbFrame(2, 2, new byte[12]), BFloat16: false, Relative: true);

        var session = new LiveSession(socket, request, queue, animators, TextWriter.Null);
        session.Dispose();
        session.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => session.RunAsync(CancellationToken.None));
        Assert.Equal(WebSocketState.Open, socket.State); // refused before touching the socket or the device
        using var lease = queue.HoldDevice(); // the device was not taken
    }
}
