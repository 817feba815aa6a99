using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Vivify.Cli.Tests;
using Vivify.Server.Animate;
using Vivify.TestSupport;

namespace Vivify.Server.Tests;

/// <summary>
/// A real server (Kestrel on a free loopback port) over a fresh folder: models/ (optionally the tiny random model as
/// "tiny"), data/, and clients with and without the token. Disposing stops the server and removes the folder.
/// </summary>
public sealed class ServerHarness : IAsyncDisposable
{
    public const string Token = "test-token-0123456789";

    private ServerHarness(string root, RunningServer server, StringWriter log)
    {
        Root = root; Server = server; Log = log;
        Client = new HttpClient { BaseAddress = new Uri(server.Address), Timeout = TimeSpan.FromMinutes(3) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(server.Address) };
    }

    public string Root { get; }
    public string Models => Path.Combine(Root, "models");
    public string Data => Path.Combine(Root, "data");
    public string JobsFolder => Path.Combine(Data, "jobs");
    public RunningServer Server { get; }
    public StringWriter Log { get; }
    public HttpClient Client { get; }
    public HttpClient Anonymous { get; }

    public static async Task<ServerHarness> Start(Func<ServerOptions, ServerOptions>? configure = null, IAnimateRunner? runner = null, bool tinyModel = false)
    {
        var root = Directory.CreateTempSubdirectory("vivify-serve-test-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "models"));
        if (tinyModel)
        {
            var config = TinyMotionModel.WriteConfig(Path.Combine(root, "models", "tiny.yaml"));
            TinyMotionModel.WriteCheckpoint(Path.Combine(root, "models", "tiny.pth.tar"), config);
        }
        var options = new ServerOptions
        {
            Port = 0,
            Token = Token,
            ModelsDir = Path.Combine(root, "models"),
            DataDir = Path.Combine(root, "data"),
            FaceModelsDir = Path.Combine(Fixtures.RepoRoot, "data", "face-api", "model"),
        };
        options = configure?.Invoke(options) ?? options;
        var log = new StringWriter();
        var server = await VivifyServer.StartAsync(options, log, runner, CancellationToken.None);
        return new ServerHarness(root, server, log);
    }

    /// <summary>Files left under data/ (recursively), as paths relative to it.</summary>
    public List<string> DataFiles() => Directory.Exists(Data)
        ? [.. Directory.EnumerateFiles(Data, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Data, f))]
        : [];

    /// <summary>A multipart form: files given as (part, client file name, bytes), then fields.</summary>
    public static MultipartFormDataContent Form(IEnumerable<(string Part, string FileName, byte[] Bytes)> files, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (part, name, bytes) in files) form.Add(new ByteArrayContent(bytes), part, name);
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        return form;
    }

    /// <summary>The sample portrait and a short driving clip (first frames of Megamind.avi as mp4).</summary>
    public static byte[] Portrait() => File.ReadAllBytes(TinyMotionModel.Sample("sample1.jpg"));

    public byte[] DrivingClip(int frames = 6)
    {
        var path = Path.Combine(Root, $"clip{frames}.mp4");
        if (!File.Exists(path))
            FfmpegRunner.Run("-i", TinyMotionModel.Sample("Megamind.avi"), "-frames:v", frames.ToString(CultureInfo.InvariantCulture),
                "-vf", "scale=128:-2", "-c:v", "libx264", "-pix_fmt", "yuv420p", path);
        return File.ReadAllBytes(path);
    }

    public async Task<HttpResponseMessage> Animate(string model = "tiny", string clientSource = "portrait.jpg", string clientDriving = "clip.mp4", byte[]? source = null, byte[]? driving = null, (string, string)[]? fields = null) =>
        await Client.PostAsync("/api/animate", Form([("source", clientSource, source ?? Portrait()), ("driving", clientDriving, driving ?? DrivingClip())], [("model", model), .. fields ?? []]));

    public static async Task<JsonElement> Json(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>Polls the job until <paramref name="until"/> holds (or the time is up) and returns its last view.</summary>
    public async Task<JsonElement> WaitJob(string id, Func<JsonElement, bool> until, double seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var view = await Json(await Client.GetAsync($"/api/jobs/{id}"));
            if (until(view) || DateTime.UtcNow > deadline) return view;
            await Task.Delay(50);
        }
    }

    public static Func<JsonElement, bool> StateIs(params string[] states) => v => states.Contains(v.GetProperty("state").GetString());

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Anonymous.Dispose();
        await Server.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
