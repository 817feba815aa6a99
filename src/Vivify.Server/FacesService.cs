using Microsoft.AspNetCore.Http;
using Vivify.Faces;
using Vivify.Media;
using Vivify.Torch;

namespace Vivify.Server;

/// <summary>
/// Faces of one uploaded picture: boxes, scores and 68 landmarks each (Vivify.Faces: face-api's SSD MobileNet v1 and
/// landmark network, loaded on first use and kept). One picture at a time; the upload is removed when answered.
/// </summary>
internal sealed class FacesService(ServerOptions options) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private FaceAnalyzer? _analyzer;

    public string Folder { get; } = Path.Combine(Path.GetFullPath(options.DataDir), "faces");

    public async Task<object> AnalyseAsync(HttpRequest request, CancellationToken cancel)
    {
        var modelDir = options.FaceModelsDir ?? FaceModels.DefaultDirectory();
        if (!FaceModels.ArePresent(modelDir))
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, "the face networks are not installed on this server (make setup puts them in data/face-api/model)");
        var folder = Directory.CreateDirectory(Path.Combine(Folder, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)))).FullName;
        try
        {
            var form = await Uploads.ReadAsync(request, folder, ["image"], [], options.MaxUploadBytes, cancel);
            if (!form.Files.TryGetValue("image", out var path)) throw new ApiException(StatusCodes.Status400BadRequest, "send the picture as the form's 'image' file");
            var frame = await MediaCheck.Picture(path, "image", options);
            await _gate.WaitAsync(cancel);
            try
            {
                return await TorchThreads.OnOwnThread(() => Analyse(modelDir, frame), "vivify faces");
            }
            finally { _gate.Release(); }
        }
        finally { Jobs.JobQueue.RemoveFolder(folder); }
    }

    private object Analyse(string modelDir, RgbFrame frame)
    {
        _analyzer ??= new FaceAnalyzer(modelDir);
        using var image = frame.ToTensor();
        var faces = _analyzer.DetectWithLandmarks(image);
        return new
        {
            width = frame.Width,
            height = frame.Height,
            faces = faces.Select(f => new
            {
                score = Math.Round(f.Detection.Score, 4),
                box = new { x = f.Detection.X, y = f.Detection.Y, width = f.Detection.Width, height = f.Detection.Height },
                landmarks = Enumerable.Range(0, 68).Select(i => new[] { f.Landmarks[i, 0], f.Landmarks[i, 1] }).ToArray(),
            }).ToArray(),
        };
    }

    public void Dispose()
    {
        _analyzer?.Dispose();
        _gate.Dispose();
    }
}
