using Vivify.Faces;
using Vivify.Media;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Cli.Tests;

/// <summary>
/// `vivify animate --frame paste|whole|crop` end to end: a real portrait (data/samples/sample1.jpg at 640 pixels)
/// through the small random model with a face model's config name, the driving face found and tracked by the
/// face-api networks.
/// </summary>
public class AnimateFrameTests
{
    private const int Width = 640, Height = 426;

    /// <summary>The tiny model under a VoxCeleb config name: a face model, so paste is the default.</summary>
    private static string[] FaceModel(CliHarness h)
    {
        var config = TinyMotionModel.WriteConfig(h.PathOf("vox-tiny.yaml"));
        return ["--config", config, "--checkpoint", TinyMotionModel.WriteCheckpoint(h.PathOf("tiny.pth.tar"), config)];
    }

    private static RgbFrame Portrait(string sample = "sample1.jpg", int width = Width, int height = Height)
    {
        using var scope = NewDisposeScope();
        return RgbFrame.FromTensor(Geometry.Resize(ImageIO.Read(TinyMotionModel.Sample(sample)), height, width));
    }

    /// <summary>A directory of <paramref name="count"/> copies of <paramref name="frame"/>: a driving video that is the picture repeated.</summary>
    private static string Repeated(CliHarness h, string name, RgbFrame frame, int count)
    {
        var dir = Directory.CreateDirectory(h.PathOf(name)).FullName;
        for (var i = 0; i < count; i++) ImageIO.Write(Path.Combine(dir, $"{i:00000}.png"), frame);
        return dir;
    }

    /// <summary>The squares of all faces, left to right, and of the largest (the default), found as the command finds them.</summary>
    private static (List<SquareBox> All, SquareBox Largest) Squares(RgbFrame picture)
    {
        using var analyzer = new FaceAnalyzer(FaceModels.Require(null));
        var faces = new FaceFinder(analyzer, 1024).Find(picture);
        return (faces.OrderBy(f => f.Detection.X).Select(f => FaceFraming.Square(f)).ToList(), FaceFraming.Square(FaceChoice.Choose(faces, null, "picture")));
    }

    /// <summary>The portrait's left two thirds: two of sample1.jpg's three faces.</summary>
    private static RgbFrame TwoFaces(RgbFrame portrait)
    {
        using var scope = NewDisposeScope();
        return RgbFrame.FromTensor(portrait.ToTensor().narrow(2, 0, 430));
    }

    /// <summary>A frame without any face: smooth colour gradients (the tiny detector sees a face in ffmpeg's testsrc).</summary>
    private static RgbFrame Faceless()
    {
        using var scope = NewDisposeScope();
        var y = linspace(0, 1, 240).unsqueeze(1).expand(240, 320);
        var x = linspace(0, 1, 320).unsqueeze(0).expand(240, 320);
        return RgbFrame.FromTensor(stack([x, y, x.add(y).div(2)]));
    }

    private static Tensor Difference(RgbFrame a, RgbFrame b)
    {
        var whole = new PixelRect(0, 0, a.Width, a.Height);
        return FrameRegion.ToFloat(FrameRegion.Bytes(a, whole)).sub(FrameRegion.ToFloat(FrameRegion.Bytes(b, whole))).abs().sum(0, keepdim: false);
    }

    /// <summary>Where the difference is outside all squares: 0 everywhere there; returns the mean inside each square's middle.</summary>
    private static List<float> AssertOnlySquaresChanged(RgbFrame result, RgbFrame source, IReadOnlyList<SquareBox> squares)
    {
        using var scope = NewDisposeScope();
        var difference = Difference(result, source);
        var outside = ones_like(difference, dtype: ScalarType.Bool);
        foreach (var s in squares)
        {
            var r = s.Inside(source.Width, source.Height);
            outside.narrow(0, r.Top, r.Height).narrow(1, r.Left, r.Width).fill_(false);
        }
        Assert.Equal(0f, difference.masked_select(outside).max().item<float>());
        return squares.Select(s => s.Inside(source.Width, source.Height))
            .Select(r => difference.narrow(0, r.Top + r.Height / 3, r.Height / 3).narrow(1, r.Left + r.Width / 3, r.Width / 3).mean().item<float>()).ToList();
    }

    [Fact]
    public void A_face_model_pastes_by_default_at_the_source_size_leaving_everything_away_from_the_face_as_it_was()
    {
        using var h = new CliHarness();
        var portrait = Portrait();
        var source = h.PathOf("portrait.png");
        ImageIO.Write(source, portrait);
        var driving = Repeated(h, "driving", portrait, 3);
        var model = FaceModel(h);
        var (code, _, e) = h.Run(["animate", "-s", source, "-d", driving, .. model, "-o", h.PathOf("out"), "--batch", "2"]);
        Assert.True(code == 0, e);
        Assert.Contains("pasting 1 face of", e);
        Assert.Contains("driving face tracked in 3 frames", e);
        var (all, largest) = Squares(portrait);
        Assert.Equal(3, all.Count); // sample1.jpg shows three women; the largest face is animated
        Assert.Contains($"({largest})", e);
        var squares = new[] { largest };
        var frames = Directory.GetFiles(h.PathOf("out"), "*.png").Order().ToList();
        Assert.Equal(3, frames.Count);
        foreach (var f in frames)
        {
            var result = ImageIO.ReadFrame(f);
            Assert.Equal((Width, Height), (result.Width, result.Height));
            var changed = AssertOnlySquaresChanged(result, portrait, squares);
            Assert.True(changed[0] > 0.01, "the random model's face is pasted");
        }

        (code, _, e) = h.Run(["animate", "-s", source, "-d", driving, .. model, "-o", h.PathOf("crop"), "--frame", "crop", "-q"]);
        Assert.True(code == 0, e);
        var crop = ImageIO.ReadFrame(Directory.GetFiles(h.PathOf("crop"), "*.png").Order().First());
        Assert.Equal((TinyMotionModel.Size, TinyMotionModel.Size), (crop.Width, crop.Height));

        (code, _, e) = h.Run(["animate", "-s", source, "-d", driving, .. model, "-o", h.PathOf("whole"), "--frame", "whole", "-q"]);
        Assert.True(code == 0, e);
        Assert.Equal(TinyMotionModel.Size, ImageIO.ReadFrame(Directory.GetFiles(h.PathOf("whole"), "*.png").First()).Width);

        (code, _, e) = h.Run(["animate", "-s", source, "-d", driving, .. model, "-o", h.PathOf("panels"), "--side-by-side", "-q"]);
        Assert.True(code == 0, e);
        var panels = ImageIO.ReadFrame(Directory.GetFiles(h.PathOf("panels"), "*.png").First());
        Assert.Equal(3 * Width + 2 * SideBySide.Gap, panels.Width);
        Assert.True(panels.Height > Height, "panels at the source's height under their labels");
    }

    [Fact]
    public void All_faces_animates_both_faces_of_a_picture_and_nothing_else()
    {
        using var h = new CliHarness();
        using var scope = NewDisposeScope();
        var two = TwoFaces(Portrait());
        var source = h.PathOf("two.png");
        ImageIO.Write(source, two);
        var driving = Repeated(h, "driving", Portrait(), 2);
        var model = FaceModel(h);
        var squares = Squares(two).All;
        Assert.Equal(2, squares.Count);

        var (code, _, e) = h.Run(["animate", "-s", source, "-d", driving, .. model, "-o", h.PathOf("out"), "--all-faces"]);
        Assert.True(code == 0, e);
        Assert.Contains("pasting 2 faces of", e);
        var result = ImageIO.ReadFrame(Directory.GetFiles(h.PathOf("out"), "*.png").Order().Last());
        var changed = AssertOnlySquaresChanged(result, two, squares);
        Assert.All(changed, c => Assert.True(c > 0.01, $"each face changes ({string.Join(", ", changed)})"));

        string[] args = ["animate", "-s", source, "-d", driving, .. model, "-o", h.PathOf("five.mp4"), "--face", "5", "--frame", "paste"];
        (code, _, e) = h.Run(args);
        Assert.Equal(2, code);
        Assert.Contains("--face 5: ", e);
        Assert.Contains("has 2 faces", e);
        Assert.Single(e.Trim().Split('\n'));
        Assert.False(File.Exists(h.PathOf("five.mp4")));
    }

    [Fact]
    public void No_face_in_the_source_or_in_the_driving_video_is_a_one_line_error_and_no_output()
    {
        using var h = new CliHarness();
        var model = FaceModel(h);
        var noFace = h.Picture("pattern.png", 320, 240);
        var portrait = Portrait();
        var portraitPath = h.PathOf("portrait.png");
        ImageIO.Write(portraitPath, portrait);
        var faceless = Repeated(h, "faceless", Faceless(), 3);

        string[] args = ["animate", "-s", noFace, "-d", faceless, .. model, "-o", h.PathOf("a.mp4"), "--frame", "paste"];
        var (code, _, e) = h.Run(args);
        Assert.Equal(1, code);
        Assert.Contains("pattern.png: no face found", e);
        Assert.Contains("--frame whole", e);
        CliHarness.NamesOnlyItsOptions(args, e);
        Assert.Single(e.Trim().Split('\n'));
        Assert.False(File.Exists(h.PathOf("a.mp4")));

        args = ["animate", "-s", portraitPath, "-d", faceless, .. model, "-o", h.PathOf("b.mp4"), "-q"]; // -q: no progress lines
        (code, _, e) = h.Run(args);
        Assert.Equal(1, code);
        Assert.True(e.Contains("no face found in any of its 3 frames", StringComparison.Ordinal), e);
        Assert.Contains("--frame whole", e);
        Assert.Single(e.Trim().Split('\n'));
        Assert.False(File.Exists(h.PathOf("b.mp4")));

        // By default a source without a face is animated whole, and says so.
        (code, _, e) = h.Run(["animate", "-s", noFace, "-d", faceless, .. model, "-o", h.PathOf("c")]);
        Assert.True(code == 0, e);
        Assert.Contains("no face found; animating the whole frame", e);
        Assert.Equal(TinyMotionModel.Size, ImageIO.ReadFrame(Directory.GetFiles(h.PathOf("c"), "*.png").First()).Width);

        (code, _, e) = h.Run(["animate", "-s", portraitPath, "-d", faceless, .. model, "-o", h.PathOf("d"), "--frame", "crop", "--all-faces"]);
        Assert.Equal(2, code);
        Assert.Contains("--all-faces", e);
        (code, _, e) = h.Run(["animate", "-s", portraitPath, "-d", faceless, .. model, "-o", h.PathOf("d"), "--frame", "side"]);
        Assert.Equal(2, code);
        Assert.Contains("paste, whole, crop", e);
    }
}
