using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Media.Tests;

/// <summary>Pasting animated crops back into a picture: exactness outside the mask, the blend inside, colour matching at the seam.</summary>
public class PasteBackTests
{
    /// <summary>A smooth picture with fine detail: gradients plus a seeded noise texture, as bytes.</summary>
    internal static RgbFrame Picture(int width, int height, int seed = 3, double noise = 0.2)
    {
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        var y = linspace(0, 1, height).unsqueeze(1).expand(height, width);
        var x = linspace(0, 1, width).unsqueeze(0).expand(height, width);
        var image = stack([x.mul(0.6).add(0.2), y.mul(0.5).add(0.25), x.add(y).mul(0.3).add(0.1)]);
        image = image.add(rand(3, height, width, generator: generator).sub(0.5).mul(noise)).clamp(0, 1);
        return RgbFrame.FromTensor(image);
    }

    private static Tensor Floats(RgbFrame frame, PixelRect rect) => FrameRegion.ToFloat(FrameRegion.Bytes(frame, rect));

    [Fact]
    public void A_crop_of_the_picture_itself_leaves_every_pixel_outside_the_mask_bit_for_bit_and_inside_within_its_resampling()
    {
        var picture = Picture(320, 200);
        var box = new SquareBox(100, 40, 128);
        using var scope = NewDisposeScope();
        var crop = FrameRegion.Cut(picture, box, 64, 64); // what a model would see, and give back unchanged
        using var paste = new PasteBack(picture, [box]);
        var result = paste.Compose([crop]);
        Assert.Equal((picture.Width, picture.Height), (result.Width, result.Height));

        var mask = new PasteMask().Values(box.Side);
        var outside = mask.eq(0);
        var whole = new PixelRect(0, 0, picture.Width, picture.Height);
        var before = Floats(picture, whole);
        var after = Floats(result, whole);
        var difference = after.sub(before).abs();
        // Outside the box: the picture's bytes.
        var boxRows = difference.narrow(1, box.Top, box.Side).narrow(2, box.Left, box.Side);
        Assert.Equal(difference.sum().item<float>(), boxRows.sum().item<float>(), 3);
        // Inside the box where the mask is 0 (its corners and inset): the picture's bytes too.
        Assert.Equal(0f, boxRows.mul(outside.unsqueeze(0)).max().item<float>());
        // Where it shows, no further from the picture than the crop resized back up (plus the seam's low-pass correction and rounding).
        var up = PasteBack.ResizeToBox(crop, box.Side);
        var resampling = up.sub(before.narrow(1, box.Top, box.Side).narrow(2, box.Left, box.Side)).abs();
        var excess = boxRows.sub(resampling).max().item<float>();
        Assert.True(excess <= 3 / 255f, $"the paste is {excess * 255:F2}/255 further from the picture than the crop's own resampling");
    }

    [Fact]
    public void Seam_colour_matching_removes_a_brightness_shift_of_the_crop_and_keeps_the_seam_as_smooth_as_the_picture()
    {
        var picture = Picture(256, 256, seed: 5, noise: 0.02);
        var box = new SquareBox(40, 40, 176);
        using var scope = NewDisposeScope();
        var shifted = FrameRegion.Cut(picture, box, 88, 88).add(0.12).clamp(0, 1);
        var inner = new PixelRect(box.Left + 60, box.Top + 60, 56, 56);
        var original = Floats(picture, inner).mean().item<float>();

        using var plain = new PasteBack(picture, [box], new PasteOptions { MatchColours = false });
        using var matched = new PasteBack(picture, [box]);
        var unmatchedShift = Floats(plain.Compose([shifted]), inner).mean().item<float>() - original;
        var matchedShift = Floats(matched.Compose([shifted]), inner).mean().item<float>() - original;
        Assert.InRange(unmatchedShift, 0.10, 0.13);
        Assert.InRange(Math.Abs(matchedShift), 0, 0.015);

        // Across the mask's falling band, the output's gradient is no steeper than the picture's by more than 20 %.
        var ratio = SeamGradient.Ratio(picture, matched.Compose([shifted]), box, new PasteMask());
        Assert.True(ratio <= 1.2, $"seam gradient {ratio:F3} × the picture's");
        var unmatchedRatio = SeamGradient.Ratio(picture, plain.Compose([shifted]), box, new PasteMask());
        Assert.True(unmatchedRatio > ratio, $"without matching the seam's gradient ({unmatchedRatio:F3}) should exceed the matched one's ({ratio:F3})");
    }

    [Fact]
    public void A_box_reaching_outside_the_picture_is_cut_with_edge_pixels_and_pasted_only_where_it_overlaps()
    {
        var picture = Picture(160, 120);
        var box = new SquareBox(-30, 60, 100); // left and bottom outside
        using var scope = NewDisposeScope();
        var crop = FrameRegion.Cut(picture, box, 50, 50);
        Assert.Equal(new long[] { 3, 50, 50 }, crop.shape);
        var full = FrameRegion.Cut(picture, box);
        // Column 0 of the box is left of the picture: it repeats the picture's column 0; rows below repeat the last row.
        TensorAssert.Equal(Floats(picture, new PixelRect(0, 60, 1, 60)), full.narrow(1, 0, 60).narrow(2, 0, 1), "left edge");
        TensorAssert.Equal(full.narrow(1, 59, 1), full.narrow(1, 99, 1), "bottom edge");

        using var paste = new PasteBack(picture, [box]);
        var inverted = crop.neg().add(1);
        var result = paste.Compose([inverted]);
        var whole = new PixelRect(0, 0, picture.Width, picture.Height);
        var difference = Floats(result, whole).sub(Floats(picture, whole)).abs().sum(0, keepdim: false);
        var inside = box.Inside(picture.Width, picture.Height);
        Assert.Equal(new PixelRect(0, 60, 70, 60), inside);
        Assert.Equal(difference.sum().item<float>(), difference.narrow(0, inside.Top, inside.Height).narrow(1, inside.Left, inside.Width).sum().item<float>(), 2);
        Assert.True(difference.narrow(0, 100, 10).narrow(1, 10, 10).mean().item<float>() > 0.1, "the visible part of the box is pasted");
    }

    [Fact]
    public void The_mask_is_one_in_the_middle_zero_at_the_edges_and_corners_and_falls_monotonically()
    {
        using var scope = NewDisposeScope();
        var mask = new PasteMask().Values(200);
        Assert.Equal(1f, mask[100, 100].item<float>());
        Assert.Equal(0f, mask[0, 100].item<float>());
        Assert.Equal(0f, mask[100, 199].item<float>());
        Assert.Equal(0f, mask[10, 10].item<float>());
        var row = mask[100].data<float>().ToArray();
        for (var x = 1; x <= 100; x++) Assert.True(row[x] >= row[x - 1], $"mask falls from the middle at {x}");
        Assert.Throws<ArgumentException>(() => new PasteMask { Feather = 0 }.Values(10));
    }

    [Fact]
    public void Overlapping_boxes_paste_in_order_and_a_crop_count_mismatch_is_refused()
    {
        var picture = Picture(200, 100);
        using var scope = NewDisposeScope();
        SquareBox a = new(20, 10, 80), b = new(60, 10, 80);
        Assert.True(a.Overlaps(b));
        using var paste = new PasteBack(picture, [a, b], new PasteOptions { MatchColours = false });
        var black = zeros(3, 40, 40);
        var white = ones(3, 40, 40);
        var result = paste.Compose([black, white]);
        // The middle of b is white (pasted last); the middle of a, outside b's mask, is dark.
        Assert.True(Floats(result, new PixelRect(98, 48, 4, 4)).mean().item<float>() > 0.95);
        Assert.True(Floats(result, new PixelRect(40, 48, 4, 4)).mean().item<float>() < 0.1);
        Assert.Throws<ArgumentException>(() => paste.Compose([black]));
        Assert.Throws<ArgumentException>(() => new PasteBack(picture, [new SquareBox(300, 0, 10)]));
    }
}
