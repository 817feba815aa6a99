using System.Net;
using System.Security.Cryptography;

namespace Vivify.Server;

/// <summary>
/// What `vivify serve` is told: where it listens, its token, where models and uploads live, and the limits that keep one
/// machine serving (upload size, queue length, per-job frames/duration/resolution, how long finished jobs are kept).
/// </summary>
public sealed record ServerOptions
{
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>The port; 0 lets the system choose a free one (tests).</summary>
    public int Port { get; init; } = 7860;
    /// <summary>The token every request but the health check needs; null: one is generated (and printed).</summary>
    public string? Token { get; init; }
    /// <summary>Folder of models: NAME.pth.tar (or .pth, .safetensors) with NAME.yaml beside it; null: none.</summary>
    public string? ModelsDir { get; init; }
    /// <summary>Folder the server writes into (its own jobs/ subfolder only).</summary>
    public required string DataDir { get; init; }
    /// <summary>The face-api networks (default: <see cref="Vivify.Faces.FaceModels.DefaultDirectory"/>).</summary>
    public string? FaceModelsDir { get; init; }
    public long MaxUploadBytes { get; init; } = 1024L * 1024 * 1024;
    /// <summary>Jobs waiting behind the running one; a submission beyond it gets 429.</summary>
    public int QueueCapacity { get; init; } = 4;
    public TimeSpan JobTimeToLive { get; init; } = TimeSpan.FromHours(1);
    /// <summary>How often finished jobs older than <see cref="JobTimeToLive"/> are looked for.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMinutes(1);
    public long MaxFrames { get; init; } = 3000;
    public double MaxDurationSeconds { get; init; } = 300;
    public int MaxSide { get; init; } = 4096;
    /// <summary>Models kept loaded at once (least recently used dropped first).</summary>
    public int CachedModels { get; init; } = 2;

    /// <summary>Whether <paramref name="host"/> names only this machine (127.0.0.0/8, ::1, localhost).</summary>
    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>A fresh token: 24 random bytes as URL-safe text.</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    /// <summary>
    /// The options as the server runs them: checked (one-line <see cref="InvalidOptionException"/>s naming the property)
    /// and with a token. A host other than loopback needs a token given on purpose: one printed to a terminal is too easy
    /// to leak to a network.
    /// </summary>
    public ServerOptions Checked()
    {
        if (string.IsNullOrWhiteSpace(Host)) throw new InvalidOptionException(nameof(Host), "the host is empty; give an address such as 127.0.0.1");
        if (Port is < 0 or > 65535) throw new InvalidOptionException(nameof(Port), $"port {Port} must be between 0 and 65535");
        if (Token is not null && (Token.Length < 8 || Token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
            throw new InvalidOptionException(nameof(Token), "the token must be at least 8 characters without spaces; leave it out to have one generated");
        if (Token is null && !IsLoopback(Host))
            throw new InvalidOptionException(nameof(Token), $"host {Host} is reachable from other machines: give a token on purpose (a long random one), or serve on 127.0.0.1");
        if (MaxUploadBytes < 1) throw new InvalidOptionException(nameof(MaxUploadBytes), "the upload limit must be at least 1 MB");
        if (ModelsDir is not null && !Directory.Exists(ModelsDir)) throw new InvalidOptionException(nameof(ModelsDir), $"{ModelsDir}: no such folder; give the folder holding NAME.pth.tar and NAME.yaml");
        if (File.Exists(DataDir)) throw new InvalidOptionException(nameof(DataDir), $"{DataDir}: is a file; give a folder the server may write into");
        if (QueueCapacity < 0) throw new InvalidOptionException(nameof(QueueCapacity), "the queue capacity must be 0 or more");
        return this with { Token = Token ?? NewToken() };
    }
}
