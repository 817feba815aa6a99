using Vivify.Heads;
using Vivify.Media;
using Vivify.TestSupport;
using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>A fact that is skipped, saying why, where the face-api networks are not installed.</summary>
public sealed class FaceModelsFactAttribute : FactAttribute
{
    public static string ModelDir => Path.Combine(Fixtures.RepoRoot, "data", "face-api", "model");

    public FaceModelsFactAttribute()
    {
        if (!File.Exists(Path.Combine(ModelDir, "ssd_mobilenetv1_model-weights_manifest.json")))
            Skip = $"{ModelDir} has no face-api networks: run make setup (build/face-models.sh) to run the talking-head end-to-end test";
    }
}

public class HeadsFineTuneAnimateCommandTests
{
    private static string Sample(string name) => Path.Combine(Fixtures.RepoRoot, "data", "samples", name);

    /// <summary>A random tiny meta-trained model (HeadsConfig.Tiny, 64×64) in RUN_DIR/checkpoint.pth.</summary>
    private static string TinyRun(CliHarness h)
    {
        var run = h.PathOf("run");
        Directory.CreateDirectory(run);
        TorchSharp.torch.random.manual_seed(21);
        using var model = new HeadsModel(HeadsConfig.Tiny, numVideos: 2);
        HeadsCheckpoint.Save(Path.Combine(run, HeadsCheckpoint.FileName), model);
        return run;
    }

    /// <summary>5 frames of Megamind.avi from 8 s (one face in each), 240 px wide, with its audio.</summary>
    private static string DrivingClip(CliHarness h)
    {
        var clip = h.PathOf("driving.mp4");
        CliHarness.Ffmpeg("-ss", "8.0", "-i", Sample("Megamind.avi"), "-frames:v", "5", "-t", "0.21", "-vf", "scale=240:-2",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", clip);
        return clip;
    }

    /// <summary>Fine-tuning is training: Ctrl-C writes the person file with the steps taken, and says so.</summary>
    [FaceModelsFact]
    public async Task InterruptedFineTuningKeepsItsSteps()
    {
        using var h = new CliHarness();
        var run = TinyRun(h);
        var person = h.PathOf("me.vhead");
        using var fineTune = new BackgroundRun("heads", "fine-tune", "--model", run, "--photos", Sample("sample2.jpg"), "-o", person, "--steps", "1000000",
            "--models", FaceModelsFactAttribute.ModelDir);
        await fineTune.WaitFor("/1000000 steps"); // the plain progress's first line, after 5 s of steps
        Assert.Equal(130, await fineTune.Interrupt());
        using var loaded = HeadsPersonFile.Load(person);
        var steps = (long)loaded.Metadata["steps"]!;
        Assert.InRange(steps, 1, 999_999);
        Assert.Contains($"{Counted.Of(steps, "step")} of 1000000 (interrupted)", fineTune.Log());
        Assert.Contains($"wrote {person}", fineTune.Log());
        Assert.DoesNotContain("--resume", fineTune.Log()); // fine-tune has none
    }

    [FaceModelsFact]
    public void FineTuneOnTwoSamplePortraitsThenAnimateAMegamindClip()
    {
        using var h = new CliHarness();
        var run = TinyRun(h);
        var person = h.PathOf("me.vhead");
        var (code, _, e) = h.Run("heads", "fine-tune", "--model", run, "--photos", Sample("sample2.jpg"), Sample("sample5.jpg"),
            "-o", person, "--steps", "2", "--models", FaceModelsFactAttribute.ModelDir);
        Assert.True(code == 0, e);
        Assert.Contains("no --vgg19 given", e);
        Assert.Contains("heads fine-tune: 2 photos, 2 steps", e);
        using (var loaded = HeadsPersonFile.Load(person))
        {
            Assert.Equal(HeadsConfig.Tiny, loaded.Config);
            Assert.Equal(2L, loaded.Metadata["shots"]);
            Assert.NotNull(loaded.FaceDescriptor);
            Assert.NotNull(loaded.Discriminator);
            // The mean landmarks lie inside the 64×64 crop, the eyes above the mouth.
            var mean = FaceCrop.FromTensor(loaded.MeanLandmarks);
            for (int i = 0; i < 68; i++) { Assert.InRange(mean[i, 0], 0, 64); Assert.InRange(mean[i, 1], 0, 64); }
            Assert.True(mean[37, 1] < mean[57, 1]);
        }

        var clip = DrivingClip(h);
        var input = MediaProbe.Probe(clip);
        var output = h.PathOf("out.mp4");
        (code, _, e) = h.Run("heads", "animate", "--person", person, "--driving", clip, "-o", output, "--models", FaceModelsFactAttribute.ModelDir);
        Assert.True(code == 0, e);
        // Without --retarget/--no-retarget the face descriptors decide, and the log says how.
        Assert.Contains("descriptor distance", e);
        var info = MediaProbe.Probe(output);
        Assert.Equal((64, 64), (info.Width, info.Height));
        Assert.Equal(input.FrameCount, info.FrameCount);
        Assert.Equal(input.Fps, info.Fps, 3);
        Assert.NotNull(info.Audio);

        var panels = h.PathOf("panels");
        (code, _, e) = h.Run("heads", "animate", "--person", person, "--driving", clip, "-o", panels, "--side-by-side", "--no-retarget", "--no-audio",
            "--models", FaceModelsFactAttribute.ModelDir);
        Assert.True(code == 0, e);
        Assert.Contains("retargeting off (--no-retarget)", e);
        var frames = Directory.GetFiles(panels, "*.png").Order().ToArray();
        Assert.Equal(input.FrameCount, frames.Length);
        var first = ImageIO.ReadFrame(frames[0]);
        Assert.Equal(3 * 256 + 2 * SideBySide.Gap, first.Width); // panels drawn at least 256 px high
        Assert.DoesNotContain(h.Entries(), n => n.StartsWith('.') || n.Contains(".tmp"));
    }

    [Fact]
    public void MissingOrWrongPersonFilesFailWithOneLine()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("clip.mp4", 3);
        var (code, _, e) = h.Run("heads", "animate", "--person", h.PathOf("nobody.vhead"), "--driving", clip, "-o", h.PathOf("out.mp4"));
        Assert.NotEqual(0, code);
        Assert.Contains("nobody.vhead: no such person file", e);
        Assert.Single(e.Trim().Split('\n'));

        var run = TinyRun(h);
        (code, _, e) = h.Run("heads", "animate", "--person", Path.Combine(run, HeadsCheckpoint.FileName), "--driving", clip, "-o", h.PathOf("out.mp4"));
        Assert.NotEqual(0, code);
        Assert.Contains("not a person file", e);
        Assert.Single(e.Trim().Split('\n'));
        Assert.False(File.Exists(h.PathOf("out.mp4")));

        (code, _, e) = h.Run("heads", "fine-tune", "--model", h.PathOf("norun"), "--photos", Sample("sample2.jpg"), "-o", h.PathOf("me.vhead"));
        Assert.NotEqual(0, code);
        Assert.Contains("norun: no such model", e);
        (code, _, e) = h.Run("heads", "fine-tune", "--model", run, "--photos", Sample("sample2.jpg"), "-o", h.PathOf("me.pth"));
        Assert.NotEqual(0, code);
        Assert.Contains("extension .vhead", e);
        (code, _, e) = h.Run("heads", "animate", "--person", "x.vhead", "--driving", clip, "-o", h.PathOf("o.mp4"), "--retarget", "--no-retarget");
        Assert.NotEqual(0, code);
        Assert.Contains("not both", e);
    }
}
