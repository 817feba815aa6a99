using Xunit;
using static TorchSharp.torch;

namespace Vivify.Media.Tests;

/// <summary>Each bad input is a one-line VivifyException naming the path and what to do.</summary>
public class MediaErrorTests
{
    private static void OneLine(VivifyException e, string path)
    {
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingFile()
    {
        var e = Assert.Throws<InvalidInputException>(() => ImageIO.Read("/nonexistent/face.png"));
        Assert.Equal("/nonexistent/face.png", e.Path);
        OneLine(e, "/nonexistent/face.png");
        Assert.Contains("no such file", e.Message);
        e = Assert.Throws<InvalidInputException>(() => VideoSource.Open("/nonexistent/drive.mp4"));
        Assert.Contains("no such file", e.Message);
    }

    [Fact]
    public void NotAnImage()
    {
        using var s = new MediaScratch();
        File.WriteAllText(s.PathOf("notes.png"), "this is text, not a picture\n");
        var e = Assert.Throws<InvalidInputException>(() => ImageIO.Read(s.PathOf("notes.png")));
        OneLine(e, s.PathOf("notes.png"));
        Assert.Contains("not an image", e.Message);
    }

    [Fact]
    public void CorruptVideo()
    {
        using var s = new MediaScratch();
        var rng = new Random(3);
        var junk = new byte[100_000];
        rng.NextBytes(junk);
        File.WriteAllBytes(s.PathOf("broken.mp4"), junk);
        var e = Assert.Throws<InvalidInputException>(() => VideoSource.Open(s.PathOf("broken.mp4")).Frames().Count());
        OneLine(e, s.PathOf("broken.mp4"));

        // A real clip cut in half: the header promises frames the file no longer has.
        var clip = s.TestClip("cut.mp4", 50, 64, 48, 25);
        var bytes = File.ReadAllBytes(clip);
        File.WriteAllBytes(clip, bytes[..(bytes.Length / 2)]);
        e = Assert.Throws<InvalidInputException>(() => VideoSource.Open(clip).Frames().Count());
        Assert.Equal(clip, e.Path);
        OneLine(e, clip);
    }

    [Fact]
    public void DirectoryWithoutFrames()
    {
        using var s = new MediaScratch();
        File.WriteAllText(s.PathOf("readme.txt"), "no frames here");
        var e = Assert.Throws<InvalidInputException>(() => VideoSource.Open(s.Dir));
        OneLine(e, s.Dir);
        Assert.Contains("no numbered picture frames", e.Message);
    }

    [Fact]
    public void BadPictureInAFolderIsNamed()
    {
        using var s = new MediaScratch();
        var dir = s.PathOf("it's frames");
        Directory.CreateDirectory(dir);
        using (var scope = NewDisposeScope())
            for (int i = 0; i < 5; i++) ImageIO.Write(Path.Combine(dir, $"{i:D5}.png"), full(3, 8, 8, i / 5f));
        File.WriteAllText(Path.Combine(dir, "00002.png"), "garbage");
        var src = VideoSource.Open(dir);
        var e = Assert.Throws<InvalidInputException>(() => src.Frames().Count());
        Assert.Equal(Path.Combine(dir, "00002.png"), e.Path);
        OneLine(e, Path.Combine(dir, "00002.png"));
        Assert.Equal(2, src.Frames(0, 2).Count());
        Assert.Equal(2, src.Frames(3).Count());
    }

    [Fact]
    public void UnwritableOutput()
    {
        using var s = new MediaScratch();
        using var scope = NewDisposeScope();
        var target = s.PathOf("missing-dir/out.png");
        var e = Assert.Throws<InvalidOutputException>(() => ImageIO.Write(target, zeros(3, 4, 4)));
        OneLine(e, target);
        Assert.Contains("does not exist", e.Message);
        File.WriteAllText(s.PathOf("file"), "");
        e = Assert.Throws<InvalidOutputException>(() => new VideoWriter(s.PathOf("file/out.mp4")));
        Assert.Contains("is a file", e.Message);
        var u = Assert.Throws<OutputConflictException>(() => new VideoWriter(s.PathOf("out.xyz")));
        Assert.Contains(".mp4", u.Message);
        Assert.Equal(["file"], s.Entries());
    }

    [Fact]
    public void PngSequenceNeverReplacesOtherFiles()
    {
        using var s = new MediaScratch();
        Directory.CreateDirectory(s.PathOf("mine"));
        File.WriteAllText(s.PathOf("mine/thesis.tex"), "precious");
        var e = Assert.Throws<InvalidOutputException>(() => new VideoWriter(s.PathOf("mine")));
        Assert.Contains("holds other files", e.Message);
        Assert.True(File.Exists(s.PathOf("mine/thesis.tex")));
    }

    [Fact]
    public void MissingFfmpegSaysHowToInstall()
    {
        var e = Assert.Throws<MissingDependencyException>(() => FfmpegTools.Resolve("ffmpeg", "/opt/none/ffmpeg", "VIVIFY_FFMPEG"));
        Assert.Contains("sudo apt-get install ffmpeg", e.Message);
        Assert.Contains("/opt/none/ffmpeg", e.Message);
        Assert.Null(FfmpegTools.OnPath("ffmpeg", "/nonexistent-bin"));
        Assert.NotNull(FfmpegTools.OnPath("ffmpeg"));
    }
}
