using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vivify.Server.Animate;
using Vivify.Server.Jobs;
using Vivify.Server.Stylize;

namespace Vivify.Server;

/// <summary>
/// `vivify serve`: the web studio on Kestrel. <see cref="RunAsync"/> is what the command calls: it listens, prints the
/// address with its token, and serves until <c>cancel</c> (Ctrl-C), then stops gracefully (running jobs cancelled,
/// nothing half-written left, job folders removed).
/// </summary>
public static class VivifyServer
{
    /// <summary>Serves until <paramref name="cancel"/>; <paramref name="output"/> gets the address, <paramref name="log"/> server errors.</summary>
    public static async Task RunAsync(ServerOptions options, TextWriter output, TextWriter log, CancellationToken cancel)
    {
        var running = await StartAsync(options, log, cancel);
        await using (running)
        {
            output.WriteLine($"vivify serve: the studio is at {running.PageAddress}");
            output.WriteLine("vivify serve: (the token in that address is needed for every request; Ctrl-C stops the server)");
            try { await Task.Delay(Timeout.Infinite, cancel); }
            catch (OperationCanceledException) { }
            output.WriteLine("vivify serve: stopping (running jobs are cancelled)");
        }
    }

    /// <summary>Starts the server (options checked, a token generated when none is given) and returns it running.</summary>
    public static Task<RunningServer> StartAsync(ServerOptions options, TextWriter log, CancellationToken cancel = default) =>
        StartAsync(options, log, runner: null, cancel);

    internal static async Task<RunningServer> StartAsync(ServerOptions options, TextWriter log, IAnimateRunner? runner, CancellationToken cancel)
    {
        options = options.Checked();
        var address = ListenAddress(options.Host);
        Directory.CreateDirectory(options.DataDir);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = Path.GetFullPath(options.DataDir) });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = checked(options.MaxUploadBytes * 2 + (1 << 20));
            k.Listen(address, options.Port);
        });
        builder.Services.AddRouting();
        builder.Services.AddSingleton<IHostLifetime, HostedByCaller>(); // the caller owns Ctrl-C (the CLI's Interrupt)
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        var models = new AnimatorCache(options.CachedModels);
        var queue = new JobQueue(options, runner ?? new AnimatorRunner(models), log);
        var faces = new FacesService(options);
        var stylize = new StylizeStudio(options, queue, new StylizeLimits());
        builder.Services.AddHostedService(_ => stylize); // before the queue, so that it stops after it
        builder.Services.AddSingleton(queue);
        builder.Services.AddHostedService(sp => sp.GetRequiredService<JobQueue>());

        var app = builder.Build();
        var auth = new TokenAuth(options.Token!);
        app.Use((HttpContext context, RequestDelegate next) => JsonErrors.Middleware(context, next, log));
        app.Use(auth.InvokeAsync);
        app.UseWebSockets();
        app.UseRouting();
        var catalog = new ModelCatalog(options.ModelsDir);
        ApiEndpoints.Map(app, options, queue, catalog, faces);
        Previews.Map(app, queue);
        Live.LiveEndpoints.Map(app, options, queue, catalog, models, log);
        StylizeEndpoints.Map(app, stylize);
        StudioPage.Map(app);

        JobQueue.RemoveFolder(faces.Folder); // a previous run's uploads, if it was killed
        try { await app.StartAsync(cancel); }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new VivifyException($"cannot listen on {options.Host}:{options.Port} ({e.Message}); choose another port or stop what uses it");
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningServer(app, options.Token!, bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal), [models, faces]);
    }

    private static IPAddress ListenAddress(string host)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return IPAddress.Loopback;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip)) return ip;
        throw new InvalidOptionException(nameof(ServerOptions.Host), $"host {host}: give an IP address (127.0.0.1, ::1, 0.0.0.0), not a name");
    }

    /// <summary>Lets the caller, not the host, handle SIGINT/SIGTERM.</summary>
    private sealed class HostedByCaller : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>A started server: its address, token, and a graceful stop (<see cref="DisposeAsync"/>).</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IDisposable[] _owned;

    internal RunningServer(WebApplication app, string token, string address, IDisposable[] owned)
    {
        _app = app; Token = token; Address = address.TrimEnd('/'); _owned = owned;
    }

    /// <summary>The base address, e.g. http://127.0.0.1:7860.</summary>
    public string Address { get; }
    public string Token { get; }
    /// <summary>The page's address with the token (what `vivify serve` prints).</summary>
    public string PageAddress => $"{Address}/?token={Uri.EscapeDataString(Token)}";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var d in _owned) d.Dispose();
    }
}
