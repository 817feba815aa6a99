using System.Globalization;
using Vivify.Media;
using Vivify.Motion;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Cli.Tests;

/// <summary>`vivify animate --find-best-frame`: face landmarks choose the initial driving frame (the published demo's find_best_frame).</summary>
public class AnimateBestFrameTests
{
    private const int Size = 160; // large enough for the face detector to find the portrait's face
    private const double EightBit = 0.5 / 255 + 1e-4;

    private static string[] Model(CliHarness h)
    {
        var config = h.PathOf("tiny.yaml");
        File.WriteAllText(config, TinyMotionModel.Yaml().Replace($"[{TinyMotionModel.Size}, {TinyMotionModel.Size}, 3]", $"[{Size}, {Size}, 3]"));
        return ["--config", config, "--checkpoint", TinyMotionModel.WriteCheckpoint(h.PathOf("tiny.pth.tar"), config)];
    }

    /// <summary>00000: a Megamind frame; 00001: the portrait mirrored; 00002: the portrait itself; 00003: another Megamind frame.</summary>
    private static (string Dir, string Portrait) Driving(CliHarness h)
    {
        var dir = Directory.CreateDirectory(h.PathOf("driving")).FullName;
        var portrait = h.PathOf("portrait.png");
        CliHarness.Ffmpeg("-i", TinyMotionModel.Sample("Megamind.avi"), "-vf", $"select='eq(n\\,0)+eq(n\\,40)',scale={Size}:{Size}:flags=area",
            "-vsync", "0", Path.Combine(dir, "m%d.png"));
        File.Move(Path.Combine(dir, "m1.png"), Path.Combine(dir, "00000.png"));
        File.Move(Path.Combine(dir, "m2.png"), Path.Combine(dir, "00003.png"));
        using var scope = NewDisposeScope();
        var image = Geometry.Resize(ImageIO.Read(TinyMotionModel.Sample("sample2.jpg")), Size, Size);
        ImageIO.Write(portrait, image);
        ImageIO.Write(Path.Combine(dir, "00001.png"), image.flip(2));
        File.Copy(portrait, Path.Combine(dir, "00002.png"));
        return (dir, portrait);
    }

    [Fact]
    public void The_frame_whose_landmarks_match_the_source_becomes_the_initial_frame()
    {
        using var h = new CliHarness();
        var (driving, portrait) = Driving(h);
        var model = Model(h);
        var (code, _, e) = h.Run(["animate", "-s", portrait, "-d", driving, .. model, "-o", h.PathOf("out"), "--find-best-frame"]);
        Assert.True(code == 0, e);
        Assert.Contains("best frame 2 of", e);
        Assert.Equal(4, Directory.GetFiles(h.PathOf("out"), "*.png").Length);

        // Relative motion from frame 2, which is the source itself: frame 2 is the model's output for the source.
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var config = FommConfig.Load(model[1]);
        using var kp = KeypointDetector.FromConfig(config.model_params);
        using var generator = OcclusionAwareGenerator.FromConfig(config.model_params);
        FommCheckpoint.LoadForInference(TorchFile.Load(model[3]), kp, generator, model[3]);
        kp.eval(); generator.eval();
        var source = ImageIO.Read(portrait).unsqueeze(0);
        var kp_source = kp.forward(source);
        var itself = generator.forward(source, kp_source, kp_source).prediction[0];
        TensorAssert.AllCloseAbs(itself, ImageIO.Read(Path.Combine(h.PathOf("out"), "00002.png")), EightBit, "the best frame gives the source itself");
    }

    [Fact]
    public void A_source_without_a_face_or_conflicting_options_fail_with_one_line()
    {
        using var h = new CliHarness();
        var (driving, _) = Driving(h);
        var model = Model(h);
        var noFace = h.Picture("pattern.png", Size, Size);
        string[] args = ["animate", "-s", noFace, "-d", driving, .. model, "-o", h.PathOf("out.mp4"), "--find-best-frame"];
        var (code, _, e) = h.Run(args);
        Assert.Equal(1, code);
        Assert.Contains("no face found", e);
        CliHarness.NamesOnlyItsOptions(args, e); // once it advised --min-confidence, which animate does not have
        Assert.Single(e.Trim().Split('\n'));
        Assert.False(File.Exists(h.PathOf("out.mp4")));

        (code, _, e) = h.Run(["animate", "-s", noFace, "-d", driving, .. model, "-o", h.PathOf("out.mp4"), "--find-best-frame", "--driving-start", "1"]);
        Assert.Equal(2, code);
        Assert.Contains("not both", e);
        (code, _, e) = h.Run(["animate", "-s", noFace, "-d", driving, .. model, "-o", h.PathOf("out.mp4"), "--find-best-frame", "--mode", "absolute"]);
        Assert.Equal(2, code);
        Assert.Contains("--mode relative", e);
        (code, _, e) = h.Run(["animate", "-s", noFace, "-d", driving, .. model, "-o", h.PathOf("out.mp4"), "--face", "1"]);
        Assert.Equal(2, code);
        Assert.Contains("--find-best-frame", e);
    }
}
