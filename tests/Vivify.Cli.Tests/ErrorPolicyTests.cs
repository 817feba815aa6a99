using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>Each bad input: one line naming the path and the fix, exit 1 (failure) or 2 (usage), no stack trace, no output left.</summary>
public class ErrorPolicyTests
{
    private static void Fails(CliHarness h, int expectedCode, string mustContain, string[] before, params string[] args)
    {
        var (code, o, e) = h.Run(args);
        Assert.True(expectedCode == code, $"exit {code}, stderr: {e}");
        Assert.Contains(mustContain, e);
        Assert.StartsWith("vivify: ", e);
        Assert.DoesNotContain("   at ", e); // no stack trace without --verbose
        CliHarness.NamesOnlyItsOptions(args, e);
        Assert.Equal(before, h.Entries()); // nothing written, no temporaries left
    }

    [Fact]
    public void MissingInputFile()
    {
        using var h = new CliHarness();
        var missing = h.PathOf("nope.mp4");
        Fails(h, 1, $"{missing}: no such file", [], "media", "compose", missing, missing, "-o", h.PathOf("out.mp4"));
        Fails(h, 1, $"{missing}: no such file", [], "media", "probe", missing);
    }

    [Fact]
    public void InputThatIsNotAnImage()
    {
        using var h = new CliHarness();
        File.WriteAllText(h.PathOf("face.png"), "not a picture");
        var clip = h.ClipWithAudio("d.mp4", 5);
        Fails(h, 1, $"{h.PathOf("face.png")}: not an image", ["d.mp4", "face.png"], "media", "compose", h.PathOf("face.png"), clip, "-o", h.PathOf("out.mp4"));
    }

    [Fact]
    public void CorruptVideo()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("cut.mp4", 60);
        var bytes = File.ReadAllBytes(clip);
        File.WriteAllBytes(clip, bytes[..(bytes.Length / 2)]);
        var face = h.Picture("face.png");
        Fails(h, 1, $"{clip}: ", ["cut.mp4", "face.png"], "media", "compose", face, clip, "-o", h.PathOf("out.mp4"));
        File.WriteAllBytes(h.PathOf("junk.avi"), new byte[5000]);
        Fails(h, 1, $"{h.PathOf("junk.avi")}: not an image or video ffmpeg can read", ["cut.mp4", "face.png", "junk.avi"], "media", "probe", h.PathOf("junk.avi"));
    }

    [Fact]
    public void DirectoryWithoutFrames()
    {
        using var h = new CliHarness();
        Directory.CreateDirectory(h.PathOf("empty"));
        Fails(h, 1, $"{h.PathOf("empty")}: no numbered picture frames", ["empty"], "media", "convert", h.PathOf("empty"), "-o", h.PathOf("out.mp4"));
    }

    [Fact]
    public void UnwritableOutputPath()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("d.mp4", 5);
        var target = h.PathOf("no-such-dir/out.mp4");
        Fails(h, 1, $"{target}: cannot write there", ["d.mp4"], "media", "convert", clip, "-o", target);
        File.WriteAllText(h.PathOf("plain"), "");
        Fails(h, 1, "is a file; choose another output path", ["d.mp4", "plain"], "media", "convert", clip, "-o", h.PathOf("plain/out.mp4"));
    }

    [Fact]
    public void UsageErrorsExitTwo()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("d.mp4", 5);
        Fails(h, 2, "cannot write '.xyz' video", ["d.mp4"], "media", "convert", clip, "-o", h.PathOf("out.xyz"));
        Fails(h, 2, "--size 'big'", ["d.mp4"], "media", "convert", clip, "-o", h.PathOf("o.mp4"), "--size", "big");
        Fails(h, 2, "--output", ["d.mp4"], "media", "convert", clip);
    }

    [Fact]
    public async Task MissingFfmpegSaysHowToInstallIt()
    {
        using var h = new CliHarness();
        var face = h.Picture("face.png");
        // A child process, so the variable cannot disturb tests running beside this one.
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "vivify.dll"), "media", "convert", face, "-o", h.PathOf("out.png") }) psi.ArgumentList.Add(a);
        psi.Environment["VIVIFY_FFMPEG"] = "/nonexistent/bin/ffmpeg";
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Equal(1, p.ExitCode);
        Assert.Contains("/nonexistent/bin/ff", err);
        Assert.Contains("install it with: sudo apt-get install ffmpeg", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Equal(["face.png"], h.Entries());
    }

    [Fact]
    public void VerboseShowsTheStackTrace()
    {
        using var h = new CliHarness();
        var (code, _, e) = h.Run("media", "probe", h.PathOf("nope.png"), "--verbose");
        Assert.Equal(1, code);
        Assert.Contains("   at ", e);
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:1")]
    public void Cpu_only_commands_refuse_another_device_instead_of_ignoring_it(string device)
    {
        var parse = Cli.Build().Parse(["faces", "detect", "in.png", "-o", "out.png", "--device", device]);
        var e = Assert.Throws<UsageException>(() => Cli.RequireCpu(parse, "faces"));
        Assert.Equal($"faces runs on the CPU in this version; drop --device {device}", e.Message);
        Cli.RequireCpu(Cli.Build().Parse(["faces", "detect", "in.png", "-o", "out.png"]), "faces");
    }

    [Fact]
    public void Serve_names_the_option_a_library_setting_came_from()
    {
        // Vivify.Server says which setting (ServerOptions.Token, .Port) is wrong; the CLI names its option, exit 2.
        using var h = new CliHarness();
        Fails(h, 2, "reachable from other machines: give a token on purpose (a long random one), or serve on 127.0.0.1 (--token)", [],
            "serve", "--host", "0.0.0.0", "--data", h.PathOf("data"));
        Fails(h, 2, "port 70000 must be between 0 and 65535 (--port)", [], "serve", "--port", "70000", "--data", h.PathOf("data"));
        Fails(h, 2, "the upload limit must be at least 1 MB (--max-upload-mb)", [], "serve", "--max-upload-mb", "0", "--data", h.PathOf("data"));
    }

    [Fact]
    public void An_output_that_is_the_input_is_still_a_usage_error_naming_its_option()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("d.mp4", 5);
        Fails(h, 2, $"{clip}: is the input {clip}; writing it would destroy the input: choose another output path", ["d.mp4"],
            "media", "convert", clip, "-o", clip);
    }
}
