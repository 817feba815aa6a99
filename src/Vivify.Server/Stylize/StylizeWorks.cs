using Vivify.Server.Jobs;
using Vivify.Stylize;

namespace Vivify.Server.Stylize;

/// <summary>
/// A stylize training as one queued job: it holds the device (the worker thread) like any heavy job, from the moment it
/// starts until Stop, its time budget, cancel or shutdown; an animate or render job submitted meanwhile waits behind
/// it. Stop ends it as done with the model saved; cancel ends it as cancelled. It has no result file (the model is
/// the project's).
/// </summary>
internal sealed class StylizeTrainWork(StudioProject project, StylizeLiveOptions options, CancellationToken stop) : IJobWork
{
    public string? Output => null;

    public void Run(Action<double> progress, Action<Vivify.Media.RgbFrame> preview, CancellationToken cancel) => project.Train(options, progress, stop, cancel);
}

/// <summary>Rendering the whole video with the project's trained weights: a queued job whose result is the video.</summary>
internal sealed class StylizeRenderWork(StudioProject project, string output) : IJobWork
{
    public string? Output => output;

    public IReadOnlyDictionary<string, string> Names => new Dictionary<string, string> { [output] = "result", [project.Folder] = "project" };

    public void Run(Action<double> progress, Action<Vivify.Media.RgbFrame> preview, CancellationToken cancel)
    {
        project.Render(output, progress, cancel);
        if (!File.Exists(output)) throw new VivifyException("the rendering wrote no video");
    }
}
