using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Vivify.Media;
using Vivify.Server.Jobs;
using Vivify.Stylize.Prep;
using Vivify.Torch;

namespace Vivify.Server.Stylize;

/// <summary>The stylize tab's limits: working size, frames, projects kept at once, training length.</summary>
internal sealed record StylizeLimits
{
    /// <summary>Frames are brought to at most this many pixels on their longer side when uploaded.</summary>
    public int MaxSide { get; init; } = 640;
    /// <summary>Frames kept of an upload (the rest is cut off).</summary>
    public int MaxFrames { get; init; } = 300;
    /// <summary>Projects kept at once; one more is 429.</summary>
    public int MaxProjects { get; init; } = 4;
    /// <summary>Preview frames a training may show.</summary>
    public int MaxPreviews { get; init; } = 6;
    /// <summary>The longest a training may hold the device (minutes); Stop ends it sooner.</summary>
    public double MaxTrainingMinutes { get; init; } = 30;
    public double DefaultTrainingMinutes { get; init; } = 10;
}

/// <summary>
/// The stylize projects of the studio, in DATA/stylize/ID (server-chosen names): made from an uploaded video (validated
/// by decoding, frames brought to the working size once, the upload kept as FOLDER/audio only when it has an audio
/// stream), removed on DELETE, after the time to live without use, and at
/// shutdown. Registered before the job queue, so that it stops after it: the running job has ended when the folders go.
/// </summary>
internal sealed class StylizeStudio(ServerOptions options, JobQueue queue, StylizeLimits limits) : IHostedService, IDisposable
{
    private readonly Dictionary<string, StudioProject> _projects = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _decoding = new(1, 1);
    private Timer? _sweeper;
    private int _reserved;

    public string Folder { get; } = Path.Combine(Path.GetFullPath(options.DataDir), "stylize");
    public JobQueue Queue => queue;
    public StylizeLimits Limits => limits;
    public ServerOptions Options => options;

    public StudioProject Find(string id)
    {
        lock (_projects)
        {
            if (_projects.TryGetValue(id, out var p)) { p.Touch(); return p; }
        }
        throw new ApiException(StatusCodes.Status404NotFound, "no such stylize project (it was removed or expired); upload the video again");
    }

    /// <summary>POST /api/stylize: the upload into a fresh folder, decoded, its frames made; anything wrong removes the folder.</summary>
    public async Task<StudioProject> CreateAsync(HttpRequest request, CancellationToken cancel)
    {
        lock (_projects)
        {
            if (_projects.Count + _reserved >= limits.MaxProjects)
                throw new ApiException(StatusCodes.Status429TooManyRequests, $"this server keeps {limits.MaxProjects} stylize projects at once; delete one or try again later") { RetryAfterSeconds = 60 };
            _reserved++;
        }
        var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var folder = Directory.CreateDirectory(Path.Combine(Folder, id)).FullName;
        var kept = false;
        try
        {
            var form = await Uploads.ReadAsync(request, folder, ["video"], [], options.MaxUploadBytes, cancel);
            var video = form.Files.GetValueOrDefault("video") ?? throw new ApiException(StatusCodes.Status400BadRequest, "send the video as the form's 'video' file");
            var info = await MediaCheck.Video(video, "video", options);
            var frames = Directory.CreateDirectory(Path.Combine(folder, "frames")).FullName;
            await _decoding.WaitAsync(cancel);
            Clip clip;
            try
            {
                clip = await Task.Run(() =>
                {
                    using var one = TorchThreads.OneThreadHere(); // beside a running job (see TorchThreads)
                    try
                    {
                        return FittedClip.Load(VideoSource.Open(video), limits.MaxSide, limits.MaxFrames,
                            (n, png) => File.WriteAllBytes(Path.Combine(frames, StudioProject.FrameName(n)), png), cancel);
                    }
                    catch (VivifyException e) { throw new ApiException(StatusCodes.Status400BadRequest, "video: " + JsonErrors.OneLine(e.Message, new Dictionary<string, string> { [video] = "the video" })); }
                }, cancel);
            }
            finally { _decoding.Release(); }
            // The upload stays only for its audio (the rendered video gets it, as `vivify stylize` does).
            string? audio = null;
            if (info.Audio is null) File.Delete(video);
            else File.Move(video, audio = Path.Combine(folder, "audio"));
            var project = new StudioProject(id, folder, clip, info.FrameRate, audio);
            lock (_projects)
            {
                _projects[id] = project;
                kept = true;
            }
            return project;
        }
        finally
        {
            lock (_projects) _reserved--;
            if (!kept) JobQueue.RemoveFolder(folder);
        }
    }

    /// <summary>DELETE: its jobs cancelled, the project forgotten, its memory and folder freed (at once, or when its running job ends).</summary>
    public void Remove(StudioProject project)
    {
        lock (_projects) _projects.Remove(project.Id);
        project.StopTraining?.Cancel();
        foreach (var job in new[] { project.Training, project.Rendering })
            if (job is not null && !job.IsFinished) queue.Delete(job.Id);
        project.Remove();
    }

    /// <summary>Removes the projects unused for longer than the time to live.</summary>
    public int Sweep(DateTime now)
    {
        List<StudioProject> expired;
        lock (_projects)
            expired = [.. _projects.Values.Where(p => now - p.LastUsedUtc >= options.JobTimeToLive && !IsRunning(p))];
        foreach (var p in expired) Remove(p);
        return expired.Count;
    }

    private static bool IsRunning(StudioProject p) => p.Training is { IsFinished: false } || p.Rendering is { IsFinished: false };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        JobQueue.RemoveFolder(Folder); // a previous run's projects: nothing can reach them
        Directory.CreateDirectory(Folder);
        _sweeper = new Timer(_ => Sweep(DateTime.UtcNow), null, options.SweepInterval, options.SweepInterval);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_sweeper is not null) await _sweeper.DisposeAsync();
        List<StudioProject> all;
        lock (_projects) all = [.. _projects.Values];
        foreach (var p in all) Remove(p);
        JobQueue.RemoveFolder(Folder);
    }

    public void Dispose()
    {
        _sweeper?.Dispose();
        _decoding.Dispose();
    }
}
