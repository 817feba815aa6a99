using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Vivify.Bench;

/// <summary>
/// `vivify serve` (the built CLI) as its own process on a free loopback port with VIVIFY_TRACE=1, as the live benches
/// run it: ready once /api/health answers; its trace lines collected; killed with its children when disposed.
/// </summary>
internal sealed class ServeProcess : IAsyncDisposable
{
    public const string Token = "bench-live-token-0123";

    private readonly Process _process;
    private readonly List<string> _trace = [];

    private ServeProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri(Address), Timeout = TimeSpan.FromMinutes(5) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public int Port { get; }
    public string Address => $"http://127.0.0.1:{Port}";
    public HttpClient Http { get; }

    /// <summary>The built CLI's path (bench/… is run from the repository after `dotnet build src/Vivify.Cli -c Release`).</summary>
    public static string Cli()
    {
        var vivify = Path.Combine(OpsReport.RepoRoot(), "src", "Vivify.Cli", "bin", "Release", "net10.0", "vivify.dll");
        if (!File.Exists(vivify)) throw new VivifyException($"{vivify} is missing: build the CLI first (dotnet build src/Vivify.Cli -c Release)");
        return vivify;
    }

    public static async Task<ServeProcess> Start(string models, string data)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Cli(), "serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--token", Token, "--models", models, "--data", data })
            start.ArgumentList.Add(a);
        start.Environment["VIVIFY_TRACE"] = "1";
        var serve = new ServeProcess(Process.Start(start)!, port);
        serve._process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (serve._trace) serve._trace.Add(line); };
        serve._process.OutputDataReceived += (_, _) => { };
        serve._process.BeginErrorReadLine();
        serve._process.BeginOutputReadLine();
        for (var tries = 0; ; tries++)
        {
            try { if ((await serve.Http.GetAsync("/api/health")).IsSuccessStatusCode) return serve; }
            catch (HttpRequestException) when (tries < 600) { }
            if (serve._process.HasExited) throw new VivifyException("vivify serve exited before it answered");
            await Task.Delay(100);
        }
    }

    /// <summary>Forgets the trace lines so far (the timed window starts).</summary>
    public void ClearTrace()
    {
        lock (_trace) _trace.Clear();
    }

    /// <summary>The trace lines since the last <see cref="ClearTrace"/>.</summary>
    public List<string> Trace()
    {
        lock (_trace) return [.. _trace];
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
