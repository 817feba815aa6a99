using Vivify.Stylize;
using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>`vivify stylize` and its subcommands with a tiny network on tiny clips (a few steps each).</summary>
public sealed class StylizeCommandTests
{
    private const string TinyConfig = """
        generator: {type: GeneratorJ, args: {use_bias: true, tanh: true, append_smoothers: true, resnet_blocks: 1, filters: [4, 4, 4, 4, 4, 4]}}
        discriminator: {type: DiscriminatorN_IN, args: {num_filters: 4, n_layers: 2}}
        perception_loss: {weight: 6.0, perception_model: {type: PerceptualVGG19, args: {feature_layers: [0, 3, 5], use_normalization: false}}}
        trainer: {batch_size: 2, reconstruction_weight: 4.0, adversarial_weight: 0.5}
        opt_generator: {type: Adam, args: {lr: 0.001, betas: [0.9, 0.999], weight_decay: 0.00001}}
        opt_discriminator: {type: Adam, args: {lr: 0.001, betas: [0.9, 0.999], weight_decay: 0.00001}}
        training_dataset: {type: DatasetPatches_M, patch_size: 12}
        """;

    /// <summary>A 32×24 clip of 8 frames, a painted keyframe (a frame through the cartoon filter), and the tiny configuration.</summary>
    internal static (string Clip, string Painted, string Config) Setup(CliHarness h)
    {
        var clip = h.ClipWithAudio("clip.mp4", 8, 32, 24);
        Assert.Equal(0, h.Run("media", "convert", clip, "--start", "3", "-o", h.PathOf("f3.png")).Code);
        var toon = h.Run("stylize", "toon", h.PathOf("f3.png"), "-o", h.PathOf("painted.png"));
        Assert.True(toon.Code == 0, toon.Err);
        File.Delete(h.PathOf("f3.png"));
        File.WriteAllText(h.PathOf("tiny.yaml"), TinyConfig);
        return (clip, h.PathOf("painted.png"), h.PathOf("tiny.yaml"));
    }

    private static long Frames(string video) => Vivify.Media.MediaProbe.Probe(video).FrameCount;

    [Fact]
    public void OneCommandFromVideoAndKeyframeToStylizedVideo()
    {
        using var h = new CliHarness();
        var (clip, painted, config) = Setup(h);
        var (code, _, err) = h.Run("stylize", "--video", clip, "--key", $"3={painted}", "-o", h.PathOf("out.mp4"), "--steps", "3",
            "--config", config, "--model", h.PathOf("m.pth"), "--preview", h.PathOf("side.mp4"));
        Assert.True(code == 0, err);
        Assert.Contains("training without the perceptual (VGG19) loss term", err);
        Assert.Contains("train: 3 steps", err);
        Assert.Equal(8, Frames(h.PathOf("out.mp4")));
        Assert.Equal(8, Frames(h.PathOf("side.mp4")));
        // The video's sound stays, as animate and heads keep it.
        Assert.NotNull(Vivify.Media.MediaProbe.Probe(h.PathOf("out.mp4")).Audio);
        Assert.NotNull(Vivify.Media.MediaProbe.Probe(h.PathOf("side.mp4")).Audio);
        using var g = StylizeCheckpoints.LoadGenerator(h.PathOf("m.pth"));
        Assert.Equal(3, g.InputChannels);
        Assert.DoesNotContain(h.Entries(), n => n.Contains(".vivify-tmp-"));
    }

    [Fact]
    public void AuxiliaryGuideChannelsMakeASixChannelModelThatApplyReuses()
    {
        using var h = new CliHarness();
        var (clip, painted, config) = Setup(h);
        var (code, _, err) = h.Run("stylize", "--video", clip, "--key", $"3={painted}", "-o", h.PathOf("out"), "--steps", "2",
            "--config", config, "--aux", "--prefilter", "spatial", "--model", h.PathOf("m.pth"));
        Assert.True(code == 0, err);
        Assert.Equal(8, Directory.GetFiles(h.PathOf("out"), "*.png").Length);
        using (var g = StylizeCheckpoints.LoadGenerator(h.PathOf("m.pth"))) Assert.Equal(6, g.InputChannels);
        var apply = h.Run("stylize", "apply", "--model", h.PathOf("m.pth"), "--input", clip, "-o", h.PathOf("again.mp4"));
        Assert.True(apply.Code == 0, apply.Err);
        Assert.Equal(8, Frames(h.PathOf("again.mp4")));
        Assert.NotNull(Vivify.Media.MediaProbe.Probe(h.PathOf("again.mp4")).Audio);
        apply = h.Run("stylize", "apply", "--model", h.PathOf("m.pth"), "--input", clip, "-o", h.PathOf("silent.mp4"), "--no-audio");
        Assert.True(apply.Code == 0, apply.Err);
        Assert.Null(Vivify.Media.MediaProbe.Probe(h.PathOf("silent.mp4")).Audio);
    }

    [Fact]
    public void TrainResumeAndApplyToAPictureAVideoAndFrames()
    {
        using var h = new CliHarness();
        var (clip, painted, config) = Setup(h);
        File.Copy(painted, h.PathOf("mask.png"));
        var first = h.Run("stylize", "train", "--video", clip, "--key", $"3={painted}", "--model", h.PathOf("m.pth"), "--steps", "2", "--config", config, "--checkpoint-every", "1");
        Assert.True(first.Code == 0, first.Err);
        var again = h.Run("stylize", "train", "--video", clip, "--key", $"3={painted}", "--model", h.PathOf("m.pth"), "--steps", "2", "--config", config, "--resume");
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("resuming", again.Err);
        Assert.Contains("at step 2", again.Err);
        Assert.Contains("4 steps; model written", again.Err);
        static bool HasTrainedCopy(string model) => ((Vivify.Torch.Checkpoints.PyDict)Vivify.Torch.Checkpoints.TorchFile.Load(model)!).ContainsKey("generator_trained");
        Assert.True(HasTrainedCopy(h.PathOf("m.pth"))); // "generator" is the weight average, the trained weights beside it
        var plain = h.Run("stylize", "train", "--video", clip, "--key", $"3={painted}", "--model", h.PathOf("plain.pth"), "--steps", "1", "--config", config, "--no-average");
        Assert.True(plain.Code == 0, plain.Err);
        Assert.False(HasTrainedCopy(h.PathOf("plain.pth")));

        var pic = h.Run("stylize", "apply", "-o", h.PathOf("one.png"), "--input", painted, "--model", h.PathOf("m.pth"));
        Assert.True(pic.Code == 0, pic.Err);
        var probe = Vivify.Media.MediaProbe.Probe(h.PathOf("one.png"));
        Assert.Equal((32, 24), (probe.Width, probe.Height));
        var vid = h.Run("stylize", "apply", "--model", h.PathOf("m.pth"), "--input", clip, "-o", h.PathOf("frames"), "--batch", "3");
        Assert.True(vid.Code == 0, vid.Err);
        Assert.Equal(8, Directory.GetFiles(h.PathOf("frames"), "*.png").Length);
    }

    [Fact]
    public void PublishedFolderLayoutAndPublishedModelFile()
    {
        using var h = new CliHarness();
        var (clip, painted, config) = Setup(h);
        var train = Path.Combine(h.Dir, "Toy_train");
        var gen = Path.Combine(h.Dir, "Toy_gen");
        foreach (var d in new[] { "input_filtered", "output", "mask" }) Directory.CreateDirectory(Path.Combine(train, d));
        Directory.CreateDirectory(Path.Combine(gen, "input_filtered"));
        Assert.Equal(0, h.Run("media", "convert", clip, "--start", "3", "-o", Path.Combine(train, "input_filtered", "003.png")).Code);
        File.Copy(painted, Path.Combine(train, "output", "003.png"));
        Vivify.Media.ImageIO.Write(Path.Combine(train, "mask", "003.png"), TorchSharp.torch.ones(3, 24, 32));
        Assert.Equal(0, h.Run("media", "convert", clip, "--frames", "3", "-o", Path.Combine(gen, "input_filtered")).Code);

        var t = h.Run("stylize", "train", "--data", train, "--model", h.PathOf("m.pth"), "--steps", "2", "--config", config);
        Assert.True(t.Code == 0, t.Err);
        var a = h.Run("stylize", "apply", "--model", h.PathOf("m.pth"), "--input", gen, "-o", h.PathOf("res"));
        Assert.True(a.Code == 0, a.Err);
        Assert.Equal(3, Directory.GetFiles(h.PathOf("res"), "*.png").Length);

        // The published tool's own model file (a whole pickled GeneratorJ) applies the same way.
        var published = Vivify.TestSupport.Fixtures.Path("stylize", "model_00000.pth");
        var p = h.Run("stylize", "apply", "--model", published, "--input", gen, "-o", h.PathOf("res2"));
        Assert.True(p.Code == 0, p.Err);
        Assert.Equal(3, Directory.GetFiles(h.PathOf("res2"), "*.png").Length);
    }

    [Fact]
    public void WithVgg19ThePerceptualTermIsTrained()
    {
        using var h = new CliHarness();
        var (clip, painted, config) = Setup(h);
        // A VGG19 `features` state dict in torchvision's key layout (random weights: only the plumbing is tested here).
        using (var vgg = new Vgg19Features())
            Vivify.Torch.Checkpoints.TorchSave.Save(Vivify.Torch.StateDicts.StateDict.ToPyDict(vgg), h.PathOf("vgg19.pth"));
        var (code, _, err) = h.Run("stylize", "--video", clip, "--key", $"3={painted}", "-o", h.PathOf("out.gif"), "--steps", "2",
            "--config", config, "--vgg19", h.PathOf("vgg19.pth"), "--prefilter", "none");
        Assert.True(code == 0, err);
        Assert.DoesNotContain("without the perceptual", err);
        Assert.Contains(" vgg ", err);
        Assert.True(File.Exists(h.PathOf("out.gif")));
    }
}
