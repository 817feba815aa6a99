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

    private const double Stretch = 1.4;

    /// <summary>
    /// A 480-pixel portrait (sample2.jpg: three faces) and driving frames 00000, 00001, 00003 of it stretched 40 %
    /// upright about the largest face (which stays where it was, its landmarks' proportions change), 00002 the portrait itself; and
    /// 00000 of another driving video, the portrait alone.
    /// </summary>
    private static (string Dir, string Portrait, string Itself) Stretched(CliHarness h)
    {
        using var scope = NewDisposeScope();
        var image = ImageIO.Read(TinyMotionModel.Sample("sample2.jpg"));
        var (height, width) = ((int)(image.shape[1] * 480 / image.shape[2]) / 2 * 2, 480);
        var portrait = Geometry.Resize(image, height, width);
        // Stretched about the largest face's middle row, so that the face stays where it was.
        float middle;
        using (var analyzer = new Vivify.Faces.FaceAnalyzer(Vivify.Faces.FaceModels.Require(null)))
        {
            var face = analyzer.DetectWithLandmarks(portrait).OrderByDescending(f => f.Detection.Area).First();
            middle = (float)(face.Detection.Y + face.Detection.Height / 2);
        }
        var tall = (int)(height * Stretch);
        var stretched = Geometry.Resize(image, tall, width).narrow(1, Math.Clamp((int)(middle * (Stretch - 1)), 0, tall - height), height);
        var dir = Directory.CreateDirectory(h.PathOf("driving")).FullName;
        for (var i = 0; i < 4; i++) ImageIO.Write(Path.Combine(dir, $"{i:00000}.png"), i == 2 ? portrait : stretched);
        var itself = Directory.CreateDirectory(h.PathOf("itself")).FullName;
        ImageIO.Write(Path.Combine(itself, "00000.png"), portrait);
        var path = h.PathOf("portrait.png");
        ImageIO.Write(path, portrait);
        return (dir, path, itself);
    }

    private static RgbFrame Frame(CliHarness h, string dir, int i) => ImageIO.ReadFrame(Path.Combine(h.PathOf(dir), $"{i:00000}.png"));

    private static int MaxDifference(RgbFrame a, RgbFrame b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        var max = 0;
        for (var i = 0; i < a.Data.Length; i++) max = Math.Max(max, Math.Abs(a.Data[i] - b.Data[i]));
        return max;
    }

    [Fact]
    public void Under_paste_and_crop_the_tracked_crop_that_matches_the_source_begins_relative_motion()
    {
        using var h = new CliHarness();
        var (driving, portrait, itself) = Stretched(h);
        var model = Model(h);
        foreach (var mode in new[] { "paste", "crop" })
        {
            // The portrait driving itself, alone: the model's reconstruction of the face's crop (pasted, or alone).
            var (code, _, e) = h.Run(["animate", "-s", portrait, "-d", itself, .. model, "-o", h.PathOf($"itself-{mode}"), "--frame", mode]);
            Assert.True(code == 0, e);
            var reconstruction = Frame(h, $"itself-{mode}", 0);

            (code, _, e) = h.Run(["animate", "-s", portrait, "-d", driving, .. model, "-o", h.PathOf($"best-{mode}"), "--frame", mode, "--find-best-frame", "--batch", "3"]);
            Assert.True(code == 0, e);
            Assert.Contains("best frame 2 of", e);
            Assert.Contains("frames show the face", e);
            Assert.Equal(4, Directory.GetFiles(h.PathOf($"best-{mode}"), "*.png").Length);
            // Relative motion from frame 2, the portrait itself: its output is the reconstruction (to a level); the
            // others move (beyond that level: the tiny random model moves little).
            Assert.InRange(MaxDifference(reconstruction, Frame(h, $"best-{mode}", 2)), 0, 1);
            var moved = MaxDifference(reconstruction, Frame(h, $"best-{mode}", 0));
            Assert.True(moved > 2, $"a stretched frame moves the face: {moved}");

            // --driving-start 2 says the same; without either, the first frame begins it and frame 2 moves the face.
            (code, _, e) = h.Run(["animate", "-s", portrait, "-d", driving, .. model, "-o", h.PathOf($"start-{mode}"), "--frame", mode, "--driving-start", "2"]);
            Assert.True(code == 0, e);
            Assert.Contains("starts at frame 2", e);
            Assert.InRange(MaxDifference(reconstruction, Frame(h, $"start-{mode}", 2)), 0, 1);
            (code, _, e) = h.Run(["animate", "-s", portrait, "-d", driving, .. model, "-o", h.PathOf($"first-{mode}"), "--frame", mode, "-q"]);
            Assert.True(code == 0, e);
            var fromFirst = MaxDifference(reconstruction, Frame(h, $"first-{mode}", 2));
            Assert.True(fromFirst > 2, $"from frame 0, the portrait is a movement: {fromFirst}");
        }
        var (c, _, err) = h.Run(["animate", "-s", portrait, "-d", driving, .. model, "-o", h.PathOf("late"), "--frame", "paste", "--driving-start", "9"]);
        Assert.Equal(2, c);
        Assert.Contains("--driving-start 9: ", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(Directory.Exists(h.PathOf("late")));
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
