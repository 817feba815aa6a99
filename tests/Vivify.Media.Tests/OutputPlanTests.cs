using Xunit;
using static TorchSharp.torch;

namespace Vivify.Media.Tests;

/// <summary>
/// <see cref="OutputPlan"/>: outputs are checked against the inputs and their names before any work, and all of a
/// command's outputs appear together at commit or not at all.
/// </summary>
public class OutputPlanTests
{
    private static OutputConflictException Refused(Action declare) => Assert.Throws<OutputConflictException>(declare);

    [Fact]
    public void AnOutputThatIsContainsOrIsInsideAnInputIsRefused()
    {
        using var s = new MediaScratch();
        var clip = s.TestClip("in.mp4", 3, 32, 24, 10);
        Directory.CreateDirectory(s.PathOf("frames"));
        File.WriteAllText(s.PathOf("frames/00000.png"), "");

        using (var plan = OutputPlan.Begin())
            Assert.Contains("is the input", Refused(() => plan.Input(clip).Video(clip)).Message);
        // Declared the other way round, and through a relative path.
        using (var plan = OutputPlan.Begin())
            Assert.Contains("is the input", Refused(() => plan.Video(s.PathOf("./in.mp4")).Input(clip)).Message);
        using (var plan = OutputPlan.Begin())
            Assert.Contains("is the input", Refused(() => plan.Input(s.PathOf("frames")).Video(s.PathOf("frames"))).Message);
        using (var plan = OutputPlan.Begin())
            Assert.Contains("is inside the input folder", Refused(() => plan.Input(s.PathOf("frames")).Video(s.PathOf("frames/out.mp4"))).Message);
        using (var plan = OutputPlan.Begin())
            Assert.Contains("holds the input", Refused(() => plan.Input(s.PathOf("frames/00000.png")).Folder(s.PathOf("frames"))).Message);
        // Apart: fine.
        using (var plan = OutputPlan.Begin()) plan.Input(clip).Input(s.PathOf("frames")).Video(s.PathOf("out.mp4")).Folder(s.PathOf("run"));
    }

    [Fact]
    public void SymbolicLinksAreFollowed()
    {
        using var s = new MediaScratch();
        var clip = s.TestClip("in.mp4", 3, 32, 24, 10);
        Directory.CreateDirectory(s.PathOf("frames"));
        File.CreateSymbolicLink(s.PathOf("link.mp4"), clip);
        Directory.CreateSymbolicLink(s.PathOf("elsewhere"), s.PathOf("frames"));
        Directory.CreateSymbolicLink(s.PathOf("here"), s.Dir);

        using (var plan = OutputPlan.Begin())
        {
            var e = Refused(() => plan.Input(clip).Video(s.PathOf("link.mp4")));
            Assert.Contains("through a symbolic link", e.Message);
        }
        using (var plan = OutputPlan.Begin())
            Assert.Contains("is the input", Refused(() => plan.Input(clip).Video(s.PathOf("here/in.mp4"))).Message);
        using (var plan = OutputPlan.Begin())
            Assert.Contains("inside the input folder", Refused(() => plan.Input(s.PathOf("frames")).Video(s.PathOf("elsewhere/x.mp4"))).Message);
        Assert.Equal(s.PathOf("frames/x.png"), RealPath.Of(s.PathOf("here/elsewhere/../elsewhere/x.png")));
    }

    [Fact]
    public void NamesAndFoldersAreCheckedWhenDeclared()
    {
        using var s = new MediaScratch();
        using var plan = OutputPlan.Begin();
        Assert.Contains("cannot write '.avi' video", Refused(() => plan.Video(s.PathOf("out.avi"))).Message);
        Assert.Contains("cannot write '.bmp' images", Refused(() => plan.Picture(s.PathOf("out.bmp"))).Message);
        Assert.Contains("written as .json", Refused(() => plan.File(s.PathOf("x.txt"), "the faces", ".json")).Message);
        plan.Video(s.PathOf("a.mp4"));
        Assert.Contains("is also the output", Refused(() => plan.Video(s.PathOf("./a.mp4"))).Message);
        var e = Assert.Throws<InvalidOutputException>(() => plan.File(s.PathOf("nodir/x.json"), "the faces", ".json"));
        Assert.Contains("the directory " + s.PathOf("nodir") + " does not exist", e.Message);
        // A folder nobody may write in (root too): /proc.
        e = Assert.Throws<InvalidOutputException>(() => plan.Video("/proc/out.mp4"));
        Assert.Contains("cannot write in /proc", e.Message);
        Assert.Empty(s.Entries()); // the checks leave nothing behind
    }

    [Fact]
    public void OutputsAppearTogetherAtCommitOrNotAtAll()
    {
        using var s = new MediaScratch();
        using var image = rand(3, 24, 32);
        void Work()
        {
            using var writer = new VideoWriter(s.PathOf("a.mp4"));
            for (var i = 0; i < 3; i++) writer.Write(image);
            writer.Complete();
            ImageIO.Write(s.PathOf("b.png"), image);
        }

        using (var plan = OutputPlan.Begin().Video(s.PathOf("a.mp4")).Picture(s.PathOf("b.png")))
        {
            Work();
            Assert.DoesNotContain(s.Entries(), n => n is "a.mp4" or "b.png"); // held under temporary names
        }
        Assert.Empty(s.Entries()); // no commit: all removed

        using (var plan = OutputPlan.Begin().Video(s.PathOf("a.mp4")).Picture(s.PathOf("b.png")))
        {
            Work();
            plan.Commit();
        }
        Assert.Equal(["a.mp4", "b.png"], s.Entries().Order());
        Assert.Equal(3, MediaProbe.Probe(s.PathOf("a.mp4")).FrameCount);
    }

    [Fact]
    public void FoldersTheCommandCreatedGoOnFailureUnlessTheyHoldWorkToKeep()
    {
        using var s = new MediaScratch();
        Directory.CreateDirectory(s.PathOf("old"));
        using (var plan = OutputPlan.Begin().Folder(s.PathOf("new")).Folder(s.PathOf("old")))
        {
            Directory.CreateDirectory(s.PathOf("new"));
            File.WriteAllText(s.PathOf("new/log.csv"), "x");
        }
        Assert.Equal(["old"], s.Entries());

        using (var plan = OutputPlan.Begin(holdOutputs: false).Folder(s.PathOf("run"), dir => File.Exists(Path.Combine(dir, "checkpoint.pth"))))
        {
            Directory.CreateDirectory(s.PathOf("run"));
            File.WriteAllText(s.PathOf("run/checkpoint.pth"), "x");
        }
        Assert.True(File.Exists(s.PathOf("run/checkpoint.pth")));
    }

    [Fact]
    public void AnOutputNamedOnlyWhileWorkingIsStillCheckedAgainstTheInputs()
    {
        using var s = new MediaScratch();
        var clip = s.TestClip("in_1.mp4", 3, 32, 24, 10);
        using var plan = OutputPlan.Begin().Input(clip).Video(s.PathOf("in.mp4"));
        Assert.Contains("is the input", Refused(() => new VideoWriter(s.PathOf("in_1.mp4")).Dispose()).Message);
    }
}
