using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Vivify.Server;

/// <summary>
/// The studio page: the files of wwwroot/, embedded in this assembly, served at / (index.html) and /static/NAME.
/// A name is looked up among the embedded files, never joined into a path. The Content-Security-Policy lets the page
/// load and connect to this server only: nothing is fetched from elsewhere.
/// </summary>
internal static class StudioPage
{
    private const string Prefix = "wwwroot/";
    private const string Policy = "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; " +
                                  "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
    };

    private static readonly Assembly Assembly = typeof(StudioPage).Assembly;
    private static readonly HashSet<string> Files = [.. Assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Select(n => n[Prefix.Length..])];

    public static void Map(WebApplication app)
    {
        app.MapGet("/", (HttpContext context) => Serve(context, "index.html"));
        app.MapGet("/static/{name}", (HttpContext context, string name) => Serve(context, name));
    }

    private static async Task Serve(HttpContext context, string name)
    {
        if (!Files.Contains(name) || !Types.TryGetValue(Path.GetExtension(name), out var type))
        {
            await JsonErrors.Write(context, StatusCodes.Status404NotFound, "no such page");
            return;
        }
        var response = context.Response;
        response.ContentType = type;
        response.Headers.CacheControl = "no-cache";
        response.Headers.ContentSecurityPolicy = Policy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        await using var stream = Assembly.GetManifestResourceStream(Prefix + name)!;
        await stream.CopyToAsync(response.Body, context.RequestAborted);
    }
}
