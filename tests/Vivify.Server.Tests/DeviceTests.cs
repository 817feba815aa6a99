using System.Net;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>GET /api/device: what the page picks its defaults by (the Live tab's precision).</summary>
public class DeviceTests
{
    [Fact]
    public async Task The_device_says_whether_bf16_is_fast_on_this_cpu()
    {
        await using var h = await ServerHarness.Start();
        var response = await h.Client.GetAsync("/api/device");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await ServerHarness.Json(response);
        Assert.Equal("cpu", json.GetProperty("device").GetString());
        Assert.Equal(BFloat16Compute.FastOnThisCpu, json.GetProperty("bf16Fast").GetBoolean());
        Assert.Equal(2, json.EnumerateObject().Count());
    }
}
