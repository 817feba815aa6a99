using Vivify.Cli.Tests;
using Vivify.Faces;
using Vivify.Media;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

/// <summary>
/// Full-frame animation with a real model (the tiny random FOMM, through <see cref="Animator.CropAnimator"/> as
/// `vivify animate --frame paste` runs it): a driving video that is the source picture repeated changes nothing
/// where the paste mask is 0, and inside it errs no more than the model's own reconstruction of the face's crop.
/// </summary>
public sealed class FullFrameIdentityTests(ITestOutputHelper output) : IDisposable
{
    private const int Width = 640, Height = 426, Frames = 3;

    /// <summary>Rounding the blended result to bytes: half a level.</summary>
    private const float Rounding = 0.5f / 255;

    /// <summary>The crop animator folds batch norms into the convolutions; the reference does not: float32 noise, enlarged by the resize.</summary>
    private const float Folding = 1e-3f;

    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-fullframe-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_source_repeated_as_driving_video_changes_nothing_outside_the_mask_and_inside_no_more_than_the_models_reconstruction()
    {
        var config = TinyMotionModel.WriteConfig(Path.Combine(_dir, "tiny.yaml"));
        var checkpoint = TinyMotionModel.WriteCheckpoint(Path.Combine(_dir, "tiny.pth.tar"), config);
        using var scope = NewDisposeScope();
        var picture = RgbFrame.FromTensor(Geometry.Resize(ImageIO.Read(TinyMotionModel.Sample("sample1.jpg")), Height, Width));
        SquareBox box;
        using (var analyzer = new FaceAnalyzer(FaceModels.Require(null)))
            box = FaceFraming.Square(FaceChoice.Choose(new FaceFinder(analyzer, 1024).Find(picture), null, "sample1.jpg"));
        var track = new FaceTrackResult(Enumerable.Repeat(box, Frames).ToList(), [0], 0);
        var size = TinyMotionModel.Size;

        // The model's own reconstruction of the face's crop: the generator driven by the crop's own keypoints.
        var crop = FrameRegion.Cut(picture, box, size, size);
        Tensor reconstruction;
        var (kp, generator) = TinyMotionModel.Models(config, seed: 7); // the checkpoint's weights
        using (kp)
        using (generator)
        using (no_grad())
        {
            var keypoints = kp.forward(crop.unsqueeze(0));
            reconstruction = generator.forward(crop.unsqueeze(0), keypoints, keypoints).prediction[0];
        }

        using var animator = Animator.Load(config, checkpoint);
        // Under crop, every animated crop is that reconstruction (as bytes).
        using (var crops = animator.CropAnimator())
        using (var animation = new FullFrameAnimation(crops, picture, [box], FrameMode.Crop))
            foreach (var frame in animation.Animate(Enumerable.Repeat(picture, Frames), track, batch: 2))
            {
                var error = frame.ToTensor().sub(reconstruction).abs().max().item<float>();
                Assert.True(error <= Rounding + Folding, $"the animated crop is {error * 255:F2}/255 from the model's reconstruction");
            }

        // Under paste: where the mask is 0 the picture's bytes; inside, the reconstruction resized to the box (bicubic,
        // the resampling a paste does) and blended through the mask is the whole error.
        var inside = box.Inside(Width, Height);
        var inBox = inside with { Left = inside.Left - box.Left, Top = inside.Top - box.Top };
        var mask = new PasteMask().Values(box.Side, inBox);
        var source = FrameRegion.ToFloat(FrameRegion.Bytes(picture, inside));
        var resized = PasteBack.ResizeToBox(reconstruction, box.Side).narrow(1, inBox.Top, inBox.Height).narrow(2, inBox.Left, inBox.Width);
        var reconstructionError = resized.sub(source).abs();
        var zero = ones(Height, Width, dtype: ScalarType.Bool);
        zero.narrow(0, inside.Top, inside.Height).narrow(1, inside.Left, inside.Width).copy_(mask.eq(0));
        var whole = new PixelRect(0, 0, Width, Height);
        foreach (var matchColours in new[] { false, true })
        {
            using var crops = animator.CropAnimator();
            using var animation = new FullFrameAnimation(crops, picture, [box], FrameMode.Paste, new PasteOptions { MatchColours = matchColours });
            var frames = animation.Animate(Enumerable.Repeat(picture, Frames), track, batch: 2).ToList();
            Assert.Equal(Frames, frames.Count);
            foreach (var frame in frames)
            {
                var difference = FrameRegion.ToFloat(FrameRegion.Bytes(frame, whole)).sub(FrameRegion.ToFloat(FrameRegion.Bytes(picture, whole))).abs().sum(0, keepdim: false);
                Assert.Equal(0f, difference.masked_select(zero).max().item<float>());
                var error = FrameRegion.ToFloat(FrameRegion.Bytes(frame, inside)).sub(source).abs();
                if (!matchColours)
                {
                    // Pixel by pixel: mask × the reconstruction's error, to rounding.
                    var excess = error.sub(reconstructionError.mul(mask)).max().item<float>();
                    output.WriteLine($"no colour matching: at most {excess * 255:F2}/255 beyond mask × the reconstruction's error");
                    Assert.True(excess <= Rounding + Folding, $"{excess * 255:F2}/255 beyond the reconstruction's own error");
                }
                else
                {
                    // Colour matching shifts the crop's low frequencies towards the picture's: on average no further from it.
                    double pasted = error.mean().item<float>(), own = reconstructionError.mul(mask).mean().item<float>();
                    output.WriteLine($"colours matched: mean error {pasted * 255:F2}/255 pasted, {own * 255:F2}/255 the reconstruction's through the mask, {reconstructionError.mean().item<float>() * 255:F2}/255 without it");
                    Assert.True(pasted <= own * 1.0 + Rounding, $"mean error {pasted * 255:F2}/255 pasted, {own * 255:F2}/255 the reconstruction's");
                }
            }
        }
    }
}
