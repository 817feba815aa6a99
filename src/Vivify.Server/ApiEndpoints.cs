using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vivify.Server.Animate;
using Vivify.Server.Jobs;

namespace Vivify.Server;

/// <summary>The JSON API: health, models, animate jobs (submit, state, events, result, cancel) and faces.</summary>
internal static class ApiEndpoints
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly string[] AnimateFiles = ["source", "driving"];
    private static readonly string[] AnimateFields = ["model", "mode", "precision", "frame"];

    public static void Map(WebApplication app, ServerOptions options, JobQueue queue, ModelCatalog models, FacesService faces)
    {
        var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        app.MapGet("/api/health", () => Results.Json(new { status = "ok" }, Json));
        app.MapGet("/api/models", () => Results.Json(models.List().Select(m => new { name = m.Name }), Json));
        // What the page picks its defaults by: bf16 where this CPU computes it faster than fp32 (the Live tab's default).
        app.MapGet("/api/device", () => Results.Json(new { device = "cpu", bf16Fast = BFloat16Compute.FastOnThisCpu }, Json));
        // (HttpRequest, CancellationToken) handlers, not bare HttpContext ones: those would be RequestDelegates, whose IResult is discarded.
        app.MapPost("/api/animate", (HttpRequest request, CancellationToken cancel) => Animate(request, cancel, options, queue, models));
        app.MapGet("/api/jobs/{id}", (string id) => Results.Json(queue.View(Find(queue, id)), Json));
        app.MapGet("/api/jobs/{id}/events", (HttpContext context, string id) => Events(context, queue, Find(queue, id), stopping));
        app.MapGet("/api/jobs/{id}/result", (string id) => Result(Find(queue, id)));
        app.MapDelete("/api/jobs/{id}", (string id) =>
        {
            var job = Find(queue, id);
            queue.Delete(id);
            return Results.Json(queue.View(job), Json);
        });
        app.MapPost("/api/faces", async (HttpRequest request, CancellationToken cancel) => Results.Json(await faces.AnalyseAsync(request, cancel), Json));
    }

    private static Job Find(JobQueue queue, string id) =>
        queue.Find(id) ?? throw new ApiException(StatusCodes.Status404NotFound, "no such job (finished jobs are kept for a while, then removed)");

    /// <summary>
    /// POST /api/animate: a queue slot first (429 when full), then the uploads straight into the job's folder, then the
    /// fields, then the files decoded; 202 {"id"} once queued. Anything wrong removes the folder.
    /// </summary>
    private static async Task<IResult> Animate(HttpRequest request, CancellationToken cancel, ServerOptions options, JobQueue queue, ModelCatalog models)
    {
        using var slot = queue.Reserve();
        var form = await Uploads.ReadAsync(request, slot.Folder, AnimateFiles, AnimateFields, options.MaxUploadBytes, cancel);
        var source = form.Files.GetValueOrDefault("source") ?? throw BadRequest("send the picture to animate as the form's 'source' file");
        var driving = form.Files.GetValueOrDefault("driving") ?? throw BadRequest("send the driving video as the form's 'driving' file");
        var name = form.Fields.GetValueOrDefault("model") ?? throw BadRequest("choose a model: the form's 'model' field (GET /api/models lists them)");
        var model = models.Find(name) ?? throw BadRequest("no such model; GET /api/models lists them");
        var relative = Relative(form);
        var bf16 = BFloat16(form);
        var frameText = form.Fields.GetValueOrDefault("frame", "0");
        if (!long.TryParse(frameText.Length == 0 ? "0" : frameText, NumberStyles.None, CultureInfo.InvariantCulture, out var frame))
            throw BadRequest("frame is the index of the driving frame whose pose is the picture's: 0 or more");
        await MediaCheck.Picture(source, "source", options);
        var info = await MediaCheck.Video(driving, "driving", options);
        if (info.FrameCount > 0 && frame >= info.FrameCount)
            throw BadRequest($"frame {frame}: the driving video has {info.FrameCount} frames (0 to {info.FrameCount - 1})");
        var job = slot.Enqueue(new AnimateWork(model, source, driving, Path.Combine(slot.Folder, JobQueue.ResultName), relative, bf16, frame));
        return Results.Json(new { id = job.Id }, Json, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>Server-Sent Events: the job's view each time it changes, until it is finished (or the server stops).</summary>
    private static Task Events(HttpContext context, JobQueue queue, Job job, CancellationToken stopping) =>
        Stream(context, () => job.IsFinished, () => queue.View(job), 200, stopping);

    /// <summary>
    /// Server-Sent Events: <paramref name="view"/> as JSON each time it changes (looked at every <paramref name="everyMs"/>
    /// ms), until it was sent once <paramref name="finished"/> held, the client leaves, or the server stops.
    /// </summary>
    internal static async Task Stream(HttpContext context, Func<bool> finished, Func<object> view, int everyMs, CancellationToken stopping)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        string? last = null;
        try
        {
            while (true)
            {
                var done = finished();
                var text = JsonSerializer.Serialize(view(), Json);
                if (text != last)
                {
                    await response.WriteAsync($"data: {text}\n\n", both.Token);
                    await response.Body.FlushAsync(both.Token);
                    last = text;
                }
                if (done) return;
                await Task.Delay(everyMs, both.Token);
            }
        }
        catch (OperationCanceledException) { }
    }

    private static IResult Result(Job job) => job.State switch
    {
        JobState.Done when job.Work.Output is string output => Results.File(output, job.Work.ContentType, enableRangeProcessing: true),
        JobState.Done => throw new ApiException(StatusCodes.Status409Conflict, "this job has no file to download"),
        JobState.Failed => throw new ApiException(StatusCodes.Status409Conflict, "the job failed: " + job.Error),
        JobState.Cancelled => throw new ApiException(StatusCodes.Status409Conflict, "the job was cancelled; it has no result"),
        _ => throw new ApiException(StatusCodes.Status409Conflict, "the job is not finished yet; wait for state done"),
    };

    /// <summary>The form's <c>mode</c>: relative (default) or absolute motion; 400 otherwise.</summary>
    internal static bool Relative(UploadedForm form) => form.Fields.GetValueOrDefault("mode", "relative") switch
    {
        "relative" or "" => true,
        "absolute" => false,
        _ => throw BadRequest("mode is relative or absolute"),
    };

    /// <summary>The form's <c>precision</c>: fp32 (default) or bf16; 400 otherwise.</summary>
    internal static bool BFloat16(UploadedForm form) => form.Fields.GetValueOrDefault("precision", "fp32") switch
    {
        "fp32" or "" => false,
        "bf16" => true,
        _ => throw BadRequest("precision is fp32 or bf16"),
    };

    private static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
}
