using System.Security.Cryptography;
using Vivify.Media;

namespace Vivify.Server.Live;

/// <summary>A live session asked for (POST /api/live) and waiting for its WebSocket: the decoded picture and options.</summary>
internal sealed record LiveRequest(ModelEntry Model, RgbFrame Picture, bool BFloat16, bool Relative)
{
    public DateTime CreatedUtc { get; } = DateTime.UtcNow;
}

/// <summary>
/// The live sessions waiting for their socket, in memory only (no file stays on disk): each taken once by its socket,
/// dropped after <see cref="Expiry"/>, at most <see cref="Capacity"/> (the oldest dropped first). Thread-safe.
/// </summary>
internal sealed class LiveRequests
{
    public const int Capacity = 4;
    public static readonly TimeSpan Expiry = TimeSpan.FromMinutes(2);

    private readonly Dictionary<string, LiveRequest> _waiting = new(StringComparer.Ordinal);

    public string Add(LiveRequest request)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        lock (_waiting)
        {
            Sweep();
            while (_waiting.Count >= Capacity) _waiting.Remove(_waiting.MinBy(p => p.Value.CreatedUtc).Key);
            _waiting[id] = request;
        }
        return id;
    }

    public LiveRequest? Take(string id)
    {
        lock (_waiting)
        {
            Sweep();
            return _waiting.Remove(id, out var request) ? request : null;
        }
    }

    private void Sweep()
    {
        var now = DateTime.UtcNow;
        foreach (var (id, request) in _waiting.ToList())
            if (now - request.CreatedUtc >= Expiry) _waiting.Remove(id);
    }
}
