using System.Net;
using System.Net.Http.Headers;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>The token rules: health open, everything else 401 without the token, the page's cookie, the options.</summary>
public class AccessTests
{
    [Fact]
    public async Task Health_is_open_and_says_only_ok()
    {
        await using var h = await ServerHarness.Start();
        var response = await h.Anonymous.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"ok"}""", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/static/studio.js")]
    [InlineData("GET", "/api/models")]
    [InlineData("GET", "/api/device")]
    [InlineData("GET", "/api/jobs/0123456789abcdef0123456789abcdef")]
    [InlineData("POST", "/api/animate")]
    [InlineData("POST", "/api/faces")]
    [InlineData("DELETE", "/api/jobs/x")]
    [InlineData("POST", "/api/health")]
    [InlineData("GET", "/no/such/thing")]
    public async Task Without_the_token_or_with_a_wrong_one_every_other_request_is_401_json(string method, string path)
    {
        await using var h = await ServerHarness.Start();
        foreach (var auth in new[] { null, "Bearer wrong-token-0123456789", "Bearer " + ServerHarness.Token[..^1], "Bearer " + ServerHarness.Token + "x", "Basic " + ServerHarness.Token })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (auth is not null) request.Headers.TryAddWithoutValidation("Authorization", auth);
            if (method == "POST") request.Content = ServerHarness.Form([("source", "a.jpg", new byte[] { 1, 2, 3 })]);
            var response = await h.Anonymous.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("token", (await ServerHarness.Json(response)).GetProperty("error").GetString());
        }
        Assert.Empty(h.DataFiles());
    }

    [Fact]
    public async Task The_page_address_with_the_token_sets_an_HttpOnly_SameSite_cookie_and_drops_the_token_from_the_address()
    {
        await using var h = await ServerHarness.Start();
        var wrong = await h.Anonymous.GetAsync("/?token=not-the-token");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));

        var first = await h.Anonymous.GetAsync("/?token=" + ServerHarness.Token);
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/", first.Headers.Location?.OriginalString);
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        using var page = new HttpRequestMessage(HttpMethod.Get, "/");
        page.Headers.Add("Cookie", cookie.Split(';')[0]);
        var response = await h.Anonymous.SendAsync(page);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Vivify studio", await response.Content.ReadAsStringAsync());
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());

        using var api = new HttpRequestMessage(HttpMethod.Get, "/api/models");
        api.Headers.Add("Cookie", cookie.Split(';')[0]);
        Assert.Equal(HttpStatusCode.OK, (await h.Anonymous.SendAsync(api)).StatusCode);
        // ?token= opens the page only: the API takes the header or the cookie.
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.Anonymous.GetAsync("/api/models?token=" + ServerHarness.Token)).StatusCode);
    }

    [Fact]
    public void The_token_comparison_accepts_only_the_exact_token()
    {
        var auth = new TokenAuth("s3cret-token");
        Assert.True(auth.Matches("s3cret-token"));
        foreach (var other in new[] { null, "", "s3cret-toke", "s3cret-token ", "S3cret-token", "s3cret-tokenx", "x" })
            Assert.False(auth.Matches(other));
    }

    [Fact]
    public void A_token_is_always_there_and_other_hosts_need_one_given_on_purpose()
    {
        var models = Directory.CreateTempSubdirectory("vivify-serve-options-").FullName;
        try
        {
            var generated = new ServerOptions { ModelsDir = models, DataDir = Path.Combine(models, "data") }.Checked().Token!;
            Assert.Matches("^[0-9a-f]{48}$", generated);
            Assert.NotEqual(generated, new ServerOptions { ModelsDir = models, DataDir = models }.Checked().Token);
            foreach (var host in new[] { "0.0.0.0", "192.168.1.20", "::" })
            {
                var e = Assert.Throws<InvalidOptionException>(() => new ServerOptions { Host = host, ModelsDir = models, DataDir = models }.Checked());
                Assert.Equal(nameof(ServerOptions.Token), e.Option);
                Assert.Contains("give a token on purpose", e.Message);
                Assert.Equal("long-enough-token", new ServerOptions { Host = host, Token = "long-enough-token", ModelsDir = models, DataDir = models }.Checked().Token);
            }
            foreach (var host in new[] { "127.0.0.1", "::1", "localhost", "127.0.0.2" })
                Assert.NotNull(new ServerOptions { Host = host, ModelsDir = models, DataDir = models }.Checked().Token);
            Assert.Equal(nameof(ServerOptions.Token), Assert.Throws<InvalidOptionException>(() => new ServerOptions { Token = "short", ModelsDir = models, DataDir = models }.Checked()).Option);
            Assert.Equal(nameof(ServerOptions.ModelsDir), Assert.Throws<InvalidOptionException>(() => new ServerOptions { ModelsDir = Path.Combine(models, "missing"), DataDir = models }.Checked()).Option);
        }
        finally { Directory.Delete(models, recursive: true); }
    }
}
