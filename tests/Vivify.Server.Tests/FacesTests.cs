using System.Net;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>POST /api/faces: boxes and 68 landmarks of an uploaded picture (Vivify.Faces), bad input refused.</summary>
public class FacesTests
{
    [Fact]
    public async Task The_sample_picture_has_three_faces_each_with_68_landmarks_inside_its_box()
    {
        await using var h = await ServerHarness.Start();
        var response = await h.Client.PostAsync("/api/faces", ServerHarness.Form([("image", "me.jpg", ServerHarness.Portrait())]));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var result = await ServerHarness.Json(response);
        var faces = result.GetProperty("faces").EnumerateArray().ToList();
        Assert.Equal(3, faces.Count); // the three people of sample1.jpg
        foreach (var face in faces)
        {
            Assert.True(face.GetProperty("score").GetDouble() > 0.5);
            var box = face.GetProperty("box");
            double x = box.GetProperty("x").GetDouble(), y = box.GetProperty("y").GetDouble();
            double w = box.GetProperty("width").GetDouble(), hgt = box.GetProperty("height").GetDouble();
            Assert.True(w > 20 && hgt > 20 && x + w <= result.GetProperty("width").GetInt32() + 1 && y + hgt <= result.GetProperty("height").GetInt32() + 1);
            var points = face.GetProperty("landmarks").EnumerateArray().Select(p => (X: p[0].GetDouble(), Y: p[1].GetDouble())).ToList();
            Assert.Equal(68, points.Count);
            var inside = points.Count(p => p.X >= x - 0.1 * w && p.X <= x + 1.1 * w && p.Y >= y - 0.1 * hgt && p.Y <= y + 1.1 * hgt);
            Assert.True(inside >= 64, $"{inside} of 68 landmarks inside the box");
        }
        Assert.Empty(h.DataFiles());
    }

    [Fact]
    public async Task Not_a_picture_is_415_and_nothing_stays()
    {
        await using var h = await ServerHarness.Start();
        var response = await h.Client.PostAsync("/api/faces", ServerHarness.Form([("image", "cat.jpg", "GIF89a but not really"u8.ToArray())]));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("image: not a picture", (await ServerHarness.Json(response)).GetProperty("error").GetString());
        Assert.Empty(h.DataFiles());
    }
}
