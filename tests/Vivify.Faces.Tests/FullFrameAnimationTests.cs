using Vivify.Media;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Faces.Tests;

/// <summary>
/// Full-frame animation with fake crop animators (exact and fast): identity, several faces, track starts across
/// batches, crop mode, panels, a 6000×4000 picture, and the seam on a sample portrait.
/// </summary>
public class FullFrameAnimationTests
{
    /// <summary>Animates each source crop by <c>animate(source, driving)</c>; records the track starts it is given, as frame indices of the video.</summary>
    private sealed class FakeAnimator(Func<Tensor, Tensor, Tensor> animate, int size = 64) : ICropAnimator, IDisposable
    {
        private Tensor? _sources;
        private int _seen;
        public List<int> Starts { get; } = [];
        /// <summary>The initial crops given, by the frame index of the video whose track they begin.</summary>
        public Dictionary<int, Tensor> Initials { get; } = [];
        public int SourceCount => (int)(_sources?.shape[0] ?? 0);
        public (int Height, int Width) CropSize => (size, size);

        public void SetSources(Tensor sources) => _sources = sources.clone().DetachFromDisposeScope();

        public Tensor Animate(Tensor driving, IReadOnlyList<int> trackStarts, IReadOnlyDictionary<int, Tensor> initialCrops)
        {
            Starts.AddRange(trackStarts.Select(s => _seen + s));
            foreach (var (i, crop) in initialCrops) Initials[_seen + i] = crop.clone().DetachFromDisposeScope();
            _seen += (int)driving.shape[0];
            using var scope = NewDisposeScope();
            var perSource = Enumerable.Range(0, SourceCount)
                .Select(f => stack(Enumerable.Range(0, (int)driving.shape[0]).Select(n => animate(_sources![f], driving[n])).ToArray()));
            return stack(perSource.ToArray()).MoveToOuterDisposeScope();
        }

        public void Dispose()
        {
            _sources?.Dispose();
            foreach (var c in Initials.Values) c.Dispose();
        }
    }

    /// <summary>Gradients and a seeded noise texture.</summary>
    private static RgbFrame Picture(int width, int height, int seed = 3)
    {
        using var scope = NewDisposeScope();
        var y = linspace(0, 1, height).unsqueeze(1).expand(height, width);
        var x = linspace(0, 1, width).unsqueeze(0).expand(height, width);
        var noise = rand(3, height, width, generator: new TorchSharp.torch.Generator((ulong)seed)).sub(0.5).mul(0.2);
        return RgbFrame.FromTensor(stack([x.mul(0.6).add(0.2), y.mul(0.5).add(0.25), x.add(y).mul(0.3).add(0.1)]).add(noise).clamp(0, 1));
    }

    private static FaceTrackResult Still(SquareBox box, int frames, params int[] starts) =>
        new(Enumerable.Repeat(box, frames).ToList(), starts.Length == 0 ? [0] : starts, 0);

    /// <summary>The byte differences between two frames, summed over channels, [H,W].</summary>
    private static Tensor Difference(RgbFrame a, RgbFrame b)
    {
        var whole = new PixelRect(0, 0, a.Width, a.Height);
        return FrameRegion.ToFloat(FrameRegion.Bytes(a, whole)).sub(FrameRegion.ToFloat(FrameRegion.Bytes(b, whole))).abs().sum(0, keepdim: false);
    }

    private static Tensor Outside(Tensor difference, params SquareBox[] boxes)
    {
        var keep = ones_like(difference, dtype: ScalarType.Bool);
        foreach (var b in boxes)
        {
            var r = b.Inside((int)difference.shape[1], (int)difference.shape[0]);
            keep.narrow(0, r.Top, r.Height).narrow(1, r.Left, r.Width).fill_(false);
        }
        return difference.masked_select(keep);
    }

    [Fact]
    public void Identity_driving_frames_that_are_the_source_change_nothing_outside_the_square_and_inside_only_by_the_crops_reconstruction()
    {
        using var scope = NewDisposeScope();
        var source = Picture(480, 320);
        var box = new SquareBox(150, 60, 160);
        // The "model" reconstructs the driving crop, which is the source's crop: the identity of a perfect model.
        using var animator = new FakeAnimator((_, driving) => driving.clone());
        using var animation = new FullFrameAnimation(animator, source, [box], FrameMode.Paste);
        Assert.Equal((480, 320), animation.OutputSize);
        var frames = animation.Animate(Enumerable.Repeat(source, 5), Still(box, 5), batch: 2).ToList();
        Assert.Equal(5, frames.Count);
        var crop = FrameRegion.Cut(source, box, 64, 64);
        var reconstruction = PasteBack.ResizeToBox(crop, box.Side)
            .sub(FrameRegion.ToFloat(FrameRegion.Bytes(source, new PixelRect(box.Left, box.Top, box.Side, box.Side)))).abs();
        foreach (var frame in frames)
        {
            var difference = Difference(frame, source);
            Assert.Equal(0f, Outside(difference, box).max().item<float>());
            var inside = FrameRegion.ToFloat(FrameRegion.Bytes(frame, new PixelRect(box.Left, box.Top, box.Side, box.Side)))
                .sub(FrameRegion.ToFloat(FrameRegion.Bytes(source, new PixelRect(box.Left, box.Top, box.Side, box.Side)))).abs();
            var excess = inside.sub(reconstruction).max().item<float>();
            Assert.True(excess <= 3 / 255f, $"{excess * 255:F2}/255 beyond the crop's own reconstruction");
        }
        Assert.Equal(new[] { 0 }, animator.Starts);
    }

    [Fact]
    public void Two_faces_both_change_and_nothing_else_does()
    {
        using var scope = NewDisposeScope();
        var source = Picture(640, 300);
        SquareBox left = new(40, 60, 180), right = new(400, 80, 160);
        // Each face "moves": its crop's content shifts by 6 pixels (colour matching keeps the colours, not the detail).
        using var animator = new FakeAnimator((s, _) => s.roll(6, 2));
        using var animation = new FullFrameAnimation(animator, source, [left, right], FrameMode.Paste);
        Assert.Equal(2, animator.SourceCount);
        var frame = animation.Animate([source, source], Still(new SquareBox(0, 0, 100), 2), batch: 4).Last();
        var difference = Difference(frame, source);
        Assert.Equal(0f, Outside(difference, left, right).max().item<float>());
        foreach (var b in new[] { left, right })
        {
            var middle = difference.narrow(0, b.Top + b.Side / 3, b.Side / 3).narrow(1, b.Left + b.Side / 3, b.Side / 3).mean().item<float>();
            Assert.True(middle > 0.05, $"the face at {b} changed by only {middle:F3}");
        }
    }

    [Fact]
    public void Track_starts_reach_the_animator_as_the_frames_where_relative_motion_restarts_across_batches()
    {
        using var scope = NewDisposeScope();
        var source = Picture(200, 200);
        var box = new SquareBox(50, 50, 100);
        using var animator = new FakeAnimator((s, _) => s.clone());
        using var animation = new FullFrameAnimation(animator, source, [box], FrameMode.Paste);
        var count = animation.Animate(Enumerable.Repeat(source, 8), Still(box, 8, 0, 5), batch: 3).Count();
        Assert.Equal(8, count);
        Assert.Equal(new[] { 0, 5 }, animator.Starts);
    }

    [Fact]
    public void A_tracks_initial_frame_reaches_the_animator_as_that_frames_crop_when_the_track_begins()
    {
        using var scope = NewDisposeScope();
        var source = Picture(200, 200);
        var box = new SquareBox(50, 50, 100);
        var driving = Enumerable.Range(0, 8).Select(i => Picture(200, 200, seed: 10 + i)).ToList();
        var track = Still(box, 8, 0, 5);
        using var initial = new InitialFrames(track, (64, 64));
        initial.Set(3, driving[3]); // after its track's first frame, and in a later batch
        initial.Set(6, driving[6]);
        Assert.Equal(new Dictionary<int, int> { [0] = 3, [5] = 6 }, initial.Frames);
        using var animator = new FakeAnimator((s, _) => s.clone());
        using var animation = new FullFrameAnimation(animator, source, [box], FrameMode.Paste);
        Assert.Equal(8, animation.Animate(driving, track, batch: 3, initial).Count());
        Assert.Equal(new[] { 0, 5 }, animator.Starts);
        Assert.Equal(new[] { 0, 5 }, animator.Initials.Keys.Order());
        Assert.True(animator.Initials[0].equal(FrameRegion.Cut(driving[3], box, 64, 64)).all().item<bool>(), "track 0 starts from frame 3's crop");
        Assert.True(animator.Initials[5].equal(FrameRegion.Cut(driving[6], box, 64, 64)).all().item<bool>(), "track 5 starts from frame 6's crop");

        using var other = new InitialFrames(Still(box, 8), (64, 64));
        Assert.Throws<ArgumentException>(() => animation.Animate(driving, track, 3, other));
    }

    [Fact]
    public void Crop_mode_gives_the_animated_crop_alone_and_panels_show_full_frames_at_a_common_height()
    {
        using var scope = NewDisposeScope();
        var source = Picture(300, 200);
        var box = new SquareBox(100, 40, 120);
        using var animator = new FakeAnimator((s, d) => s.add(d).div(2));
        using (var crop = new FullFrameAnimation(animator, source, [box], FrameMode.Crop))
        {
            Assert.Equal((64, 64), crop.OutputSize);
            var frame = crop.Animate([source], Still(box, 1), 1).Single();
            Assert.Equal((64, 64), (frame.Width, frame.Height));
            TensorAssertBytes(RgbFrame.FromTensor(FrameRegion.Cut(source, box, 64, 64)), frame);
        }
        using var animator2 = new FakeAnimator((s, _) => s.clone());
        using var panels = new FullFrameAnimation(animator2, source, [box], FrameMode.Paste) { SideBySide = true };
        Assert.Null(panels.OutputSize);
        var driving = Picture(400, 100, seed: 9); // another size: shown at the source's height
        var sbs = panels.Animate([driving], Still(new SquareBox(150, 0, 100), 1), 1).Single();
        var labelBar = BitmapFont.GlyphHeight + 6;
        Assert.Equal(200 + labelBar, sbs.Height);
        Assert.Equal(300 + 800 + 300 + 2 * SideBySide.Gap, sbs.Width);
    }

    private static void TensorAssertBytes(RgbFrame expected, RgbFrame actual) => Assert.Equal(expected.Data, actual.Data);

    [Fact]
    public void A_6000_by_4000_picture_is_pasted_at_full_size_without_touching_it_outside_the_face()
    {
        using var scope = NewDisposeScope();
        const int width = 6000, height = 4000;
        var data = new byte[width * height * 3];
        for (var i = 0; i < data.Length; i++) data[i] = (byte)(i * 7 % 251);
        var source = new RgbFrame(width, height, data);
        var box = new SquareBox(2500, 1200, 1400);
        using var animator = new FakeAnimator((s, _) => s.flip(2), size: 256);
        using var animation = new FullFrameAnimation(animator, source, [box], FrameMode.Paste);
        var frame = animation.Animate([source], Still(box, 1), 1).Single();
        Assert.Equal((width, height), (frame.Width, frame.Height));
        // Rows above and below the square are the source's bytes; so are the columns left and right of it.
        Assert.True(frame.Data.AsSpan(0, box.Top * width * 3).SequenceEqual(data.AsSpan(0, box.Top * width * 3)));
        var below = box.Bottom * width * 3;
        Assert.True(frame.Data.AsSpan(below).SequenceEqual(data.AsSpan(below)));
        var row = (box.Top + 700) * width * 3;
        Assert.True(frame.Data.AsSpan(row, box.Left * 3).SequenceEqual(data.AsSpan(row, box.Left * 3)));
        Assert.False(frame.Data.AsSpan(row + (box.Left + 600) * 3, 600).SequenceEqual(data.AsSpan(row + (box.Left + 600) * 3, 600)));
    }

    [Fact]
    public void On_the_sample_portraits_the_seam_is_no_steeper_than_the_picture_by_more_than_a_fifth()
    {
        using var analyzer = new FaceAnalyzer(FaceData.ModelDir);
        var finder = new FaceFinder(analyzer, 1024);
        foreach (var i in new[] { 1, 2, 3, 4, 5, 6 })
        {
            using var scope = NewDisposeScope();
            var picture = ImageIO.ReadFrame(FaceData.Sample(i));
            var face = finder.Find(picture).OrderByDescending(f => f.Detection.Area).First();
            var box = FaceFraming.Square(face);
            // An animated crop that differs from the picture as a model's does: blurred, brighter, warmer.
            using var animator = new FakeAnimator((s, _) =>
                nn.functional.avg_pool2d(s.unsqueeze(0), 3, 1, 1, count_include_pad: false)[0].add(tensor(new[] { 0.08f, 0.05f, 0.02f }).view(3, 1, 1)).clamp(0, 1), size: 256);
            using var animation = new FullFrameAnimation(animator, picture, [box], FrameMode.Paste);
            var frame = animation.Animate([picture], Still(box, 1), 1).Single();
            var ratio = SeamGradient.Ratio(picture, frame, box, new PasteMask());
            Assert.True(ratio <= 1.2, $"sample{i}.jpg: the seam's gradient is {ratio:F3} × the picture's");
        }
    }
}
