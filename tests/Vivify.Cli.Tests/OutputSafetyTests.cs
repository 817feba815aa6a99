using System.Security.Cryptography;
using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>
/// No command destroys its input or fails after the work for a name it could have checked first: an output that is,
/// holds or is inside an input (symbolic links followed), a bad extension or a missing folder is one line, before any
/// model is loaded, and leaves everything as it was.
/// </summary>
public sealed class OutputSafetyTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    /// <summary>Every file under the scratch directory with its content's hash: what must not change.</summary>
    private Dictionary<string, string> Snapshot() =>
        Directory.GetFiles(_h.Dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(_h.Dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private void Refused(int code, string mustContain, params string[] args)
    {
        var before = Snapshot();
        var (c, _, e) = _h.Run(args);
        Assert.True(c == code, $"exit {c}: {e}");
        Assert.Contains(mustContain, e);
        Assert.StartsWith("vivify: ", e);
        Assert.Single(e.Trim().Split('\n'), l => !l.Contains("run 'vivify --help'"));
        CliHarness.NamesOnlyItsOptions(args, e);
        Assert.Equal(before, Snapshot()); // the input untouched, nothing written, no temporaries
    }

    /// <summary>A folder of numbered frames as `media convert` writes it.</summary>
    private string Frames(string name, string clip)
    {
        Assert.Equal(0, _h.Run("media", "convert", clip, "-o", _h.PathOf(name), "-q").Code);
        return _h.PathOf(name);
    }

    [Fact]
    public void AnOutputThatIsAnInputIsRefusedAndTheInputKept()
    {
        var clip = _h.ClipWithAudio("in.mp4", 6, 32, 24);
        var frames = Frames("frames", clip);
        File.CreateSymbolicLink(_h.PathOf("link.mp4"), clip);
        Directory.CreateSymbolicLink(_h.PathOf("alias"), frames);
        const string same = "is the input";

        // stylize apply --input DIR -o DIR once replaced the frames (the model is not even read: the names fail first).
        Refused(2, same, "stylize", "apply", "--model", _h.PathOf("m.pth"), "--input", frames, "-o", frames);
        Refused(2, same, "stylize", "apply", "--model", _h.PathOf("m.pth"), "--input", clip, "-o", clip);
        Refused(2, same, "stylize", "--video", frames, "--key", $"0={_h.PathOf("p.png")}", "-o", frames);
        Refused(2, "through a symbolic link", "media", "convert", clip, "-o", _h.PathOf("link.mp4"));
        Refused(2, same, "media", "convert", frames, "-o", _h.PathOf("alias"));
        Refused(2, "inside the input folder", "media", "convert", frames, "-o", _h.PathOf("frames/out.mp4"));
        Refused(2, "inside the input folder", "media", "convert", frames, "-o", _h.PathOf("alias/out.gif"));
        Refused(2, same, "media", "compose", clip, frames, "-o", clip);
        Refused(2, same, "faces", "landmarks", clip, "-o", clip);
        File.CreateSymbolicLink(_h.PathOf("faces.json"), clip);
        Refused(2, "through a symbolic link", "faces", "detect", clip, "-o", _h.PathOf("x.mp4"), "--json", _h.PathOf("faces.json"));
        Refused(2, same, "faces", "crop", "--video", clip, "-o", clip);
        Refused(2, same, "animate", "-s", _h.PathOf("frames/00000.png"), "-d", clip, "-c", _h.PathOf("c.pth"), "--config", _h.PathOf("c.yaml"), "-o", clip);
        Refused(2, same, "heads", "animate", "--person", _h.PathOf("p.vhead"), "-d", frames, "-o", frames);
        Refused(2, same, "stylize", "toon", _h.PathOf("frames/00000.png"), "-o", _h.PathOf("frames/00000.png"));
        File.CreateSymbolicLink(_h.PathOf("ck.pth"), clip);
        Refused(2, "through a symbolic link", "checkpoint", "convert", clip, _h.PathOf("ck.pth"));
        Refused(2, "holds the input", "motion", "reconstruct", "--checkpoint", _h.PathOf("frames/00000.png"), "--config", clip, "--data", clip, "-o", _h.PathOf("alias"));
        Refused(2, "inside the input folder", "motion", "train", "--config", clip, "--data", frames, "-o", _h.PathOf("frames/run"), "--no-pretrained-vgg");
    }

    [Fact]
    public void BadOutputNamesFailBeforeAnyModelIsLoaded()
    {
        var clip = _h.ClipWithAudio("in.mp4", 6, 32, 24);
        var face = _h.Picture("face.png", 32, 24);
        // A checkpoint that is not one: had the work begun, its error would come first.
        File.WriteAllText(_h.PathOf("junk.pth"), "not a checkpoint");
        var config = TinyMotionModel.WriteConfig(_h.PathOf("tiny.yaml"));
        var data = Directory.CreateDirectory(_h.PathOf("data")).FullName;

        // The whole job with the default configuration trains for an hour before writing the video.
        Refused(2, "cannot write '.avi' video", "stylize", "--video", clip, "--key", $"3={face}", "-o", _h.PathOf("out.avi"), "--model", _h.PathOf("m.pth"));
        Refused(1, "does not exist", "stylize", "--video", clip, "--key", $"3={face}", "-o", _h.PathOf("out.mp4"), "--model", _h.PathOf("nodir/m.pth"));
        Refused(2, "a model is written as", "stylize", "--video", clip, "--key", $"3={face}", "-o", _h.PathOf("out.mp4"), "--model", _h.PathOf("m.safetensors"));
        Refused(2, "cannot write '.avi' video", "animate", "-s", face, "-d", clip, "-c", _h.PathOf("junk.pth"), "--config", config, "-o", _h.PathOf("x.avi"));
        Refused(1, "does not exist", "heads", "evaluate", "--model", _h.PathOf("junk.pth"), "--data", data, "--csv", _h.PathOf("nodir/e.csv"));
        Refused(2, "written as .csv", "heads", "evaluate", "--model", _h.PathOf("junk.pth"), "--data", data, "--csv", _h.PathOf("e.txt"));
        Refused(1, "does not exist", "heads", "fine-tune", "--model", _h.PathOf("junk.pth"), "--photos", face, "-o", _h.PathOf("nodir/p.vhead"));
        Refused(1, "does not exist", "heads", "animate", "--person", _h.PathOf("junk.pth"), "-d", clip, "-o", _h.PathOf("nodir/x.mp4"));
        Refused(1, "does not exist", "motion", "reconstruct", "--checkpoint", _h.PathOf("junk.pth"), "--config", config, "--data", data, "-o", _h.PathOf("nodir/rec"));
        File.WriteAllText(_h.PathOf("tracks.csv"), "video,frame,figure,x,y\nshapes0000,first,0,1,2\n");
        Refused(1, "tracks.csv", "motion", "reconstruct", "--checkpoint", _h.PathOf("junk.pth"), "--config", config, "--data", data, "-o", _h.PathOf("rec"),
            "--tracks", _h.PathOf("tracks.csv"));
        Refused(1, "cannot write in /proc", "media", "convert", clip, "-o", "/proc/out.mp4");
        Refused(2, "written as .yaml or .yml", "stylize", "search", "--video", clip, "--key", $"0={face}", "--holdout", $"4={face}", "--best-config", _h.PathOf("best.txt"));
    }

    [Fact]
    public void AFailedCommandLeavesNoneOfItsOutputs()
    {
        var face = _h.Picture("face.png", 32, 24);
        Directory.CreateDirectory(_h.PathOf("d"));
        // The overlay once stayed behind when the JSON beside it could not be written.
        Refused(1, "does not exist", "faces", "landmarks", face, "-o", _h.PathOf("d/out.png"), "--json", _h.PathOf("d/nodir/x.json"));

        // A training run that fails (here a usage error found after the run folder's name) leaves no empty run folder.
        Assert.Equal(0, _h.Run("motion", "synth", "--out", _h.PathOf("data"), "--videos", "3", "--frames", "4", "-q").Code);
        var config = Vivify.TestSupport.Fixtures.Path("fomm", "tiny.yaml");
        Refused(2, "--no-pretrained-vgg", "motion", "train", "--config", config, "--data", _h.PathOf("data"), "--out", _h.PathOf("run"));
        Refused(1, "dataset directory not found", "motion", "train", "--config", config, "--data", _h.PathOf("nodata"), "--out", _h.PathOf("run"), "--no-pretrained-vgg");
        // This configuration has no batch size (it once divided by zero): found after the models are made, the folder goes too.
        Refused(1, "train_params.batch_size must be at least 1", "motion", "train", "--config", config, "--data", _h.PathOf("data"), "--out", _h.PathOf("run"), "--no-pretrained-vgg");
        Assert.False(Directory.Exists(_h.PathOf("run")));
    }
}
