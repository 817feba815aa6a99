using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Vivify.Server;

/// <summary>
/// The one rule of access: every request but <c>GET /api/health</c> carries the token, as
/// <c>Authorization: Bearer TOKEN</c> or as the cookie that opening the page with <c>?token=TOKEN</c> sets (HttpOnly,
/// SameSite=Strict, so scripts and other sites never see or send it). Anything else is 401 with a JSON error.
/// Comparison is constant-time: both sides are hashed to 32 bytes and compared with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither content nor length leaks through timing.
/// </summary>
internal sealed class TokenAuth(string token)
{
    public const string CookieName = "vivify_token";
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public bool Matches(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(_expected, SHA256.HashData(Encoding.UTF8.GetBytes(candidate)));

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) && request.Path.Equals("/api/health", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }
        // The page opened with ?token=: the cookie is set and the token taken out of the address (history, referrers).
        if (HttpMethods.IsGet(request.Method) && !request.Path.StartsWithSegments("/api") && request.Query.TryGetValue("token", out var query))
        {
            if (!Matches(query.ToString()))
            {
                await JsonErrors.Write(context, StatusCodes.Status401Unauthorized, "wrong token: open the address that vivify serve printed");
                return;
            }
            context.Response.Cookies.Append(CookieName, query.ToString(), new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = request.IsHttps,
                Path = "/",
            });
            context.Response.Redirect(request.PathBase + request.Path);
            return;
        }
        if (Matches(Bearer(request)) || Matches(request.Cookies[CookieName]))
        {
            await next(context);
            return;
        }
        await JsonErrors.Write(context, StatusCodes.Status401Unauthorized,
            "missing or wrong token: send Authorization: Bearer TOKEN, or open the address that vivify serve printed");
    }

    private static string? Bearer(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }
}
