using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Vivify.Server;

/// <summary>An error a request handler answers with: a status and one line for the client.</summary>
internal sealed class ApiException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
    /// <summary>Seconds for a Retry-After header (429, 503).</summary>
    public int? RetryAfterSeconds { get; init; }
}

/// <summary>
/// Errors as clients see them: <c>{"error": "one line"}</c> with a 4xx/5xx status, never a stack trace or a path
/// on the server. Unexpected exceptions are logged on the server and answered with a plain 500.
/// </summary>
internal static partial class JsonErrors
{
    public static Task Write(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { error = message }));
    }

    public static async Task Middleware(HttpContext context, RequestDelegate next, TextWriter log)
    {
        try
        {
            await next(context);
            // What the framework answers with a bare status (405 for a wrong method, …) gets its JSON body too.
            var response = context.Response;
            if (!response.HasStarted && response.StatusCode >= 400 && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
                await Write(context, response.StatusCode, response.StatusCode switch
                {
                    StatusCodes.Status405MethodNotAllowed => "method not allowed at this address",
                    StatusCodes.Status404NotFound => "no such address",
                    _ => "the request was refused",
                });
        }
        catch (Exception e) when (context.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException)
        {
            // The client went away: nobody to answer.
        }
        catch (Exception e)
        {
            var (status, message) = e switch
            {
                ApiException a => (a.Status, a.Message),
                BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                    (StatusCodes.Status413PayloadTooLarge, "the upload is larger than this server accepts"),
                BadHttpRequestException b => (b.StatusCode, "bad request: " + OneLine(b.Message)),
                _ => (StatusCodes.Status500InternalServerError, "internal error; the server's log has the details"),
            };
            if (status >= 500) lock (log) log.WriteLine($"vivify serve: {context.Request.Method} {context.Request.Path}: {e}");
            if (context.Response.HasStarted) return; // a stream already under way (a video, events) just ends
            context.Response.Clear();
            if (e is ApiException { RetryAfterSeconds: int retry }) context.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Write(context, status, message);
        }
    }

    /// <summary>
    /// A message made fit for a client: its first line, with the named server paths replaced by what the client calls
    /// them (e.g. the job's upload by "driving") and any other absolute path by "[file]".
    /// </summary>
    public static string OneLine(string message, IReadOnlyDictionary<string, string>? names = null)
    {
        var line = message.ReplaceLineEndings("\n").Split('\n')[0].Trim();
        if (names is not null)
            foreach (var (path, name) in names.OrderByDescending(p => p.Key.Length))
                line = line.Replace(path, name, StringComparison.Ordinal);
        line = AbsolutePath().Replace(line, "[file]");
        return line.Length > 300 ? line[..300] + "…" : line;
    }

    [GeneratedRegex(@"(?<![\w.])(?:file:)?/[^\s:;,'""()]+")]
    private static partial Regex AbsolutePath();
}
