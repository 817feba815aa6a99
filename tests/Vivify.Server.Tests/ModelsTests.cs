using System.Net;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>GET /api/models: NAME.pth.tar, NAME.pth or NAME.safetensors with NAME.yaml beside it.</summary>
public class ModelsTests
{
    [Fact]
    public async Task Models_are_checkpoints_with_their_yaml_beside_them()
    {
        await using var h = await ServerHarness.Start();
        foreach (var name in new[] { "vox.pth.tar", "vox.yaml", "taichi.pth", "taichi.yaml", "mgif.safetensors", "mgif.yaml",
                                     "lonely.pth.tar", "orphan.yaml", "notes.txt", ".pth", "x.pt" })
            await File.WriteAllTextAsync(Path.Combine(h.Models, name), "x");
        Directory.CreateDirectory(Path.Combine(h.Models, "folder.pth"));

        var response = await h.Client.GetAsync("/api/models");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var names = (await ServerHarness.Json(response)).EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList();
        Assert.Equal(["mgif", "taichi", "vox"], names);
    }

    [Fact]
    public async Task No_models_folder_is_an_empty_list()
    {
        await using var h = await ServerHarness.Start(o => o with { ModelsDir = null });
        Assert.Equal("[]", await h.Client.GetStringAsync("/api/models"));
    }
}
