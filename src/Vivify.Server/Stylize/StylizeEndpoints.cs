using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vivify.Server.Jobs;
using Vivify.Stylize;

namespace Vivify.Server.Stylize;

/// <summary>
/// The stylize tab's API (/api/stylize…): a project from an uploaded video, its frames, the painted keyframes, training
/// with live previews (a job in the queue), stop, rendering (a job whose result is the video), the model, removal.
/// </summary>
internal static class StylizeEndpoints
{
    private static readonly string[] KeyFiles = ["painted", "mask"];
    private static readonly string[] KeyFields = ["frame"];
    private static readonly string[] TrainFields = ["previews", "minutes"];

    public static void Map(WebApplication app, StylizeStudio studio)
    {
        var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var queue = studio.Queue;
        app.MapPost("/api/stylize", async (HttpRequest request, CancellationToken cancel) =>
            Results.Json((await studio.CreateAsync(request, cancel)).View(queue), ApiEndpoints.Json, statusCode: StatusCodes.Status201Created));
        app.MapGet("/api/stylize/{id}", (string id) => Results.Json(studio.Find(id).View(queue), ApiEndpoints.Json));
        app.MapGet("/api/stylize/{id}/events", (HttpContext context, string id) => Events(context, studio, studio.Find(id), stopping));
        app.MapGet("/api/stylize/{id}/frames/{frame:int}", (string id, int frame) =>
        {
            var project = studio.Find(id);
            if (frame < 0 || frame >= project.Clip.Count) throw OutOfRange(project, frame);
            return Results.File(project.FramePath(frame), "image/png");
        });
        app.MapPost("/api/stylize/{id}/keyframe", (HttpRequest request, string id, CancellationToken cancel) => Keyframe(request, studio, studio.Find(id), true, cancel));
        app.MapPost("/api/stylize/{id}/keyframes", (HttpRequest request, string id, CancellationToken cancel) => Keyframe(request, studio, studio.Find(id), false, cancel));
        app.MapDelete("/api/stylize/{id}/keyframes/{frame:int}", (string id, int frame) =>
        {
            var project = studio.Find(id);
            if (frame < 0 || frame >= project.Clip.Count) throw OutOfRange(project, frame);
            project.RemoveKey(frame);
            return Results.Json(project.View(queue), ApiEndpoints.Json);
        });
        app.MapPost("/api/stylize/{id}/train", (HttpRequest request, string id, CancellationToken cancel) => Train(request, studio, studio.Find(id), cancel));
        app.MapPost("/api/stylize/{id}/stop", (string id) =>
        {
            var project = studio.Find(id);
            lock (project.Gate)
            {
                if (project.Training is { State: JobState.Queued } queued) queue.Delete(queued.Id);
                project.StopTraining?.Cancel();
            }
            return Results.Json(project.View(queue), ApiEndpoints.Json);
        });
        app.MapGet("/api/stylize/{id}/previews/{frame:int}", (string id, int frame) =>
        {
            var png = studio.Find(id).PreviewPng(frame) ?? throw new ApiException(StatusCodes.Status404NotFound, $"no preview of frame {frame} yet; train first");
            return Results.Bytes(png, "image/png");
        });
        app.MapPost("/api/stylize/{id}/render", (string id) => Render(studio, studio.Find(id)));
        app.MapGet("/api/stylize/{id}/model", (string id) =>
        {
            var project = studio.Find(id);
            if (!project.HasModel) throw new ApiException(StatusCodes.Status409Conflict, "no model yet: train, then stop (the model is saved when training ends)");
            return Results.File(project.ModelPath, "application/octet-stream", "vivify-stylize.pth");
        });
        app.MapDelete("/api/stylize/{id}", (string id) =>
        {
            studio.Remove(studio.Find(id));
            return Results.Json(new { id, state = "deleted" }, ApiEndpoints.Json);
        });
    }

    /// <summary>
    /// POST keyframe (<paramref name="only"/>: the painting becomes the one keyframe) or keyframes (added to the keyframes,
    /// or replacing that frame's): multipart `frame` (number), `painted` (the frame painted over, at the working size),
    /// optional `mask` (white = painted).
    /// </summary>
    private static async Task<IResult> Keyframe(HttpRequest request, StylizeStudio studio, StudioProject project, bool only, CancellationToken cancel)
    {
        var folder = project.NextKeyFolder();
        var kept = false;
        try
        {
            var form = await Uploads.ReadAsync(request, folder, KeyFiles, KeyFields, studio.Options.MaxUploadBytes, cancel);
            var frame = Frame(form.Fields.GetValueOrDefault("frame"), project);
            var painted = form.Files.GetValueOrDefault("painted") ?? throw BadRequest("send the painted frame as the form's 'painted' file");
            await SameSize(painted, "painted", project, studio.Options);
            var mask = form.Files.GetValueOrDefault("mask");
            if (mask is not null) await SameSize(mask, "mask", project, studio.Options);
            project.SetKey(frame, painted, mask, only);
            kept = true;
            return Results.Json(project.View(studio.Queue), ApiEndpoints.Json);
        }
        finally
        {
            if (!kept) JobQueue.RemoveFolder(folder);
        }
    }

    private static async Task SameSize(string path, string part, StudioProject project, ServerOptions options)
    {
        var picture = await MediaCheck.Picture(path, part, options);
        if (picture.Width != project.Clip.Width || picture.Height != project.Clip.Height)
            throw BadRequest($"{part}: {picture.Width}x{picture.Height}, but the video's frames are {project.Clip.Width}x{project.Clip.Height}; paint over the frame at that size");
    }

    private static int Frame(string? text, StudioProject project)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var frame))
            throw BadRequest($"frame is the number of the painted frame, 0 to {project.Clip.Count - 1}");
        if (frame >= project.Clip.Count) throw BadRequest($"frame {frame}: the video has frames 0 to {project.Clip.Count - 1}");
        return frame;
    }

    /// <summary>POST train: optional `previews` ("0,12,24") and `minutes`; 202 {"id"} of the training job.</summary>
    private static async Task<IResult> Train(HttpRequest request, StylizeStudio studio, StudioProject project, CancellationToken cancel)
    {
        var limits = studio.Limits;
        var fields = new Dictionary<string, string>();
        if (request.ContentLength is not 0 && request.ContentType is not null)
        {
            var form = await Uploads.ReadAsync(request, project.Folder, [], TrainFields, 0, cancel);
            fields = new Dictionary<string, string>(form.Fields);
        }
        var previews = project.PreviewFrames.ToList();
        if (fields.TryGetValue("previews", out var list) && list.Length > 0)
            previews = [.. list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(f => Frame(f, project)).Distinct()];
        if (previews.Count is 0 || previews.Count > limits.MaxPreviews) throw BadRequest($"previews: give 1 to {limits.MaxPreviews} frame numbers, e.g. 0,{project.Clip.Count / 2}");
        var minutes = limits.DefaultTrainingMinutes;
        if (fields.TryGetValue("minutes", out var m) && m.Length > 0
            && !(double.TryParse(m, NumberStyles.Float, CultureInfo.InvariantCulture, out minutes) && minutes > 0 && minutes <= limits.MaxTrainingMinutes))
            throw BadRequest($"minutes: how long training may run, more than 0 and at most {limits.MaxTrainingMinutes}");
        if (!project.HasKey) throw new ApiException(StatusCodes.Status409Conflict, "paint a keyframe first (POST /api/stylize/ID/keyframe)");
        lock (project.Gate)
        {
            if (project.Training is { IsFinished: false }) throw new ApiException(StatusCodes.Status409Conflict, "the project is training already; stop it first");
            project.SetPreviewFrames(previews);
            using var slot = studio.Queue.Reserve();
            var stop = new CancellationTokenSource();
            var work = new StylizeTrainWork(project, new StylizeLiveOptions { Budget = new TrainingBudget(null, minutes) }, stop.Token);
            project.Training = slot.Enqueue(work);
            project.StopTraining?.Dispose();
            project.StopTraining = stop;
            return Results.Json(new { id = project.Training.Id }, ApiEndpoints.Json, statusCode: StatusCodes.Status202Accepted);
        }
    }

    /// <summary>POST render: training is stopped, and the whole video rendered by a queued job (202 {"id"}; GET /api/jobs/ID/result is the video).</summary>
    private static IResult Render(StylizeStudio studio, StudioProject project)
    {
        lock (project.Gate)
        {
            if (project.Training is null || (project.Training.State == JobState.Cancelled && project.Steps == 0))
                throw new ApiException(StatusCodes.Status409Conflict, "train first: there are no weights to render with");
            if (project.Rendering is { IsFinished: false }) throw new ApiException(StatusCodes.Status409Conflict, "the video is being rendered already");
            project.StopTraining?.Cancel();
            using var slot = studio.Queue.Reserve();
            project.Rendering = slot.Enqueue(new StylizeRenderWork(project, Path.Combine(slot.Folder, JobQueue.ResultName)));
            return Results.Json(new { id = project.Rendering.Id }, ApiEndpoints.Json, statusCode: StatusCodes.Status202Accepted);
        }
    }

    /// <summary>Server-Sent Events: the project's view each time it changes, until the client leaves, the project goes, or the server stops; an open page keeps its project.</summary>
    private static Task Events(HttpContext context, StylizeStudio studio, StudioProject project, CancellationToken stopping) =>
        ApiEndpoints.Stream(context, () => project.IsRemoved, () =>
        {
            project.Touch();
            return project.View(studio.Queue);
        }, 100, stopping);

    private static ApiException OutOfRange(StudioProject project, int frame) =>
        new(StatusCodes.Status404NotFound, $"frame {frame}: the video has frames 0 to {project.Clip.Count - 1}");

    private static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
}
