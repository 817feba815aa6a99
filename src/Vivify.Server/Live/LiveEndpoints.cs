using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vivify.Server.Animate;
using Vivify.Server.Jobs;

namespace Vivify.Server.Live;

/// <summary>
/// The live tab's API: <c>POST /api/live</c> (multipart: <c>source</c> picture, <c>model</c>, optional
/// <c>precision</c> fp32|bf16 and <c>mode</c> relative|absolute) → <c>201 {"id"}</c>, then the WebSocket
/// <c>/api/live/ID</c> (<see cref="LiveSession"/>) animates the picture with each camera frame sent to it. The token
/// rules are those of every request (the page's cookie is sent with the WebSocket handshake), and a handshake from
/// another origin is refused (403): SameSite cookies go to another port of the same host too.
/// </summary>
internal static class LiveEndpoints
{
    private static readonly string[] PictureFile = ["source"];
    private static readonly string[] Fields = ["model", "precision", "mode"];

    public static void Map(WebApplication app, ServerOptions options, JobQueue queue, ModelCatalog models, AnimatorCache animators, TextWriter log)
    {
        var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var waiting = new LiveRequests();
        JobQueue.RemoveFolder(Path.Combine(Path.GetFullPath(options.DataDir), "live")); // a previous run's uploads, if it was killed
        app.MapPost("/api/live", (HttpRequest request, CancellationToken cancel) => Create(request, cancel, options, queue, models, waiting));
        app.MapGet("/api/live/{id}", (HttpContext context, string id) => Connect(context, id, waiting, queue, animators, log, stopping));
    }

    /// <summary>The picture read and decoded (then its upload removed: it is kept in memory until its socket comes), the options checked.</summary>
    private static async Task<IResult> Create(HttpRequest request, CancellationToken cancel, ServerOptions options, JobQueue queue, ModelCatalog models, LiveRequests waiting)
    {
        using (queue.HoldDevice()) { } // 409 at once while a job runs or waits, before any upload is read
        var folder = Path.Combine(Path.GetFullPath(options.DataDir), "live", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        Directory.CreateDirectory(folder);
        try
        {
            var form = await Uploads.ReadAsync(request, folder, PictureFile, Fields, options.MaxUploadBytes, cancel);
            var path = form.Files.GetValueOrDefault("source") ?? throw BadRequest("send the picture to animate as the form's 'source' file");
            var name = form.Fields.GetValueOrDefault("model") ?? throw BadRequest("choose a model: the form's 'model' field (GET /api/models lists them)");
            var model = models.Find(name) ?? throw BadRequest("no such model; GET /api/models lists them");
            var (bf16, relative) = (ApiEndpoints.BFloat16(form), ApiEndpoints.Relative(form));
            var picture = await MediaCheck.Picture(path, "source", options);
            var id = waiting.Add(new LiveRequest(model, picture, bf16, relative));
            return Results.Json(new { id }, ApiEndpoints.Json, statusCode: StatusCodes.Status201Created);
        }
        finally { JobQueue.RemoveFolder(folder); }
    }

    private static async Task Connect(HttpContext context, string id, LiveRequests waiting, JobQueue queue, AnimatorCache animators, TextWriter log, CancellationToken stopping)
    {
        if (!context.WebSockets.IsWebSocketRequest)
            throw BadRequest("open this address as a WebSocket (ws://HOST/api/live/ID), after POST /api/live");
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase)))
            throw new ApiException(StatusCodes.Status403Forbidden, "a live session opens only from this server's own page");
        var live = waiting.Take(id) ?? throw new ApiException(StatusCodes.Status404NotFound,
            "no such live session: POST /api/live first (its socket must follow within two minutes, and only once)");
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var both = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        using var session = new LiveSession(socket, live, queue, animators, log);
        await session.RunAsync(both.Token); // returns when the socket closes or the server stops; then the session is disposed
    }

    private static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
}
