using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Media;

/// <summary>How <see cref="PasteBack"/> blends an animated crop into the picture.</summary>
public sealed record PasteOptions
{
    public PasteMask Mask { get; init; } = new();

    /// <summary>Match the crop's colours to the picture's at the seam (<see cref="SeamColour"/>).</summary>
    public bool MatchColours { get; init; } = true;
}

/// <summary>
/// Pastes animated crops back into a picture at its full resolution, one per box: each crop is resized to its box
/// (bicubic; anti-aliased when it shrinks), its colours matched to the picture's at the seam, and blended through a
/// feathered <see cref="PasteMask"/>. Only the part of a box inside the picture is pasted, and only box-sized regions
/// are converted to floats: a frame costs a copy of the picture's bytes plus work in proportion to the boxes. Pixels
/// where every mask is 0 — everything outside the boxes, and their corners — are the picture's bytes, bit for bit.
/// Boxes that overlap are pasted in order, each over the result of the ones before. Dispose it when done.
/// </summary>
public sealed class PasteBack : IDisposable
{
    private sealed class Target(SquareBox box, PixelRect inside, Tensor mask, Tensor support, Tensor pictureGrid, SeamColour? colour) : IDisposable
    {
        public SquareBox Box { get; } = box;
        public PixelRect Inside { get; } = inside;                                 // picture pixels
        public PixelRect InBox { get; } = inside with { Left = inside.Left - box.Left, Top = inside.Top - box.Top };
        public Tensor Mask { get; } = mask;                                        // [1,h,w] float32
        public Tensor Support { get; } = support;                                  // [h,w,1] bool: mask > 0
        public Tensor PictureGrid { get; } = pictureGrid;                          // [3,g,g]
        public SeamColour? Colour { get; } = colour;

        public void Dispose()
        {
            Mask.Dispose(); Support.Dispose(); PictureGrid.Dispose(); Colour?.Dispose();
        }
    }

    private readonly List<Target> _targets = [];

    public PasteBack(RgbFrame picture, IReadOnlyList<SquareBox> boxes, PasteOptions? options = null)
    {
        Picture = picture;
        Boxes = boxes.ToList();
        Options = options ?? new PasteOptions();
        try
        {
            foreach (var box in Boxes) _targets.Add(Prepare(box));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public RgbFrame Picture { get; }
    public IReadOnlyList<SquareBox> Boxes { get; }
    public PasteOptions Options { get; }

    private Target Prepare(SquareBox box)
    {
        var inside = box.Inside(Picture.Width, Picture.Height);
        if (inside.IsEmpty) throw new ArgumentException($"paste: the box {box} lies outside the {Picture.Width}x{Picture.Height} picture", nameof(box));
        using var scope = NewDisposeScope();
        var inBox = inside with { Left = inside.Left - box.Left, Top = inside.Top - box.Top };
        var mask = Options.Mask.Values(box.Side, inBox);
        var grid = Geometry.Resize(FrameRegion.Cut(Picture, box), SeamColour.Grid, SeamColour.Grid);
        SeamColour? colour = null;
        if (Options.MatchColours)
        {
            // Grid cells whose centre lies inside the picture.
            var centres = arange(S(0), S(SeamColour.Grid), One, dtype: ScalarType.Float64).add_(S(0.5), One).mul_(S((double)box.Side / SeamColour.Grid));
            var rows = centres.add(S(box.Top), One);
            var cols = centres.add(S(box.Left), One);
            var valid = rows.ge(S(0)).logical_and(rows.lt(S(Picture.Height))).unsqueeze(1).logical_and(cols.ge(S(0)).logical_and(cols.lt(S(Picture.Width))).unsqueeze(0));
            colour = new SeamColour(Options.Mask, valid);
        }
        // Held until Dispose, whatever dispose scope the caller is in.
        return new Target(box, inside, mask.unsqueeze(0).DetachFromDisposeScope(), mask.gt(S(0)).unsqueeze(2).DetachFromDisposeScope(),
            grid.DetachFromDisposeScope(), colour);
    }

    /// <summary>
    /// The picture with <paramref name="crops"/> pasted: one animated crop per box, float [3,h,w] (or [1,3,h,w]) in
    /// [0,1], any size (square, as the boxes are, unless distortion is wanted). A new frame; the picture is unchanged.
    /// </summary>
    public RgbFrame Compose(IReadOnlyList<Tensor> crops)
    {
        if (crops.Count != _targets.Count) throw new ArgumentException($"paste: {crops.Count} crops for {_targets.Count} boxes", nameof(crops));
        var data = (byte[])Picture.Data.Clone();
        for (var i = 0; i < _targets.Count; i++)
        {
            using var scope = NewDisposeScope();
            var t = _targets[i];
            var crop = crops[i].dim() == 4 ? crops[i][0] : crops[i];
            crop = crop.detach().to(ScalarType.Float32, CPU);
            var pasted = Slice(ResizeToBox(crop, t.Box.Side), t.InBox);
            if (t.Colour is not null)
            {
                var offset = t.Colour.Offset(t.PictureGrid, Geometry.Resize(crop, SeamColour.Grid, SeamColour.Grid));
                var spread = nn.functional.interpolate(offset.unsqueeze(0), [t.Box.Side, t.Box.Side], mode: InterpolationMode.Bilinear, align_corners: false)[0];
                pasted.add_(Slice(spread, t.InBox), One);
            }
            var baseBytes = FrameRegion.Bytes(data, Picture.Width, Picture.Height, t.Inside);
            var under = FrameRegion.ToFloat(baseBytes);
            var blended = pasted.sub_(under).mul_(t.Mask).add_(under, One);
            FrameRegion.Put(data, Picture.Width, Picture.Height, t.Inside, where(t.Support, FrameRegion.ToBytes(blended), baseBytes));
        }
        return new RgbFrame(Picture.Width, Picture.Height, data);
    }

    /// <summary>
    /// A crop [3,h,w] resized to <paramref name="side"/>² for pasting: bicubic (sharper than bilinear when enlarging, as
    /// a small model's crop usually is), anti-aliased when shrinking, clamped to [0,1] (bicubic overshoots at edges).
    /// </summary>
    public static Tensor ResizeToBox(Tensor crop, int side)
    {
        using var scope = NewDisposeScope();
        long h = crop.shape[^2], w = crop.shape[^1];
        if (h == side && w == side) return crop.clone().MoveToOuterDisposeScope();
        var batch = crop.dim() == 4 ? crop : crop.unsqueeze(0);
        var r = nn.functional.interpolate(batch, [side, side], mode: InterpolationMode.Bicubic, align_corners: false, antialias: side < Math.Max(h, w));
        r.clamp_(S(0), S(1));
        return (crop.dim() == 4 ? r : r[0]).MoveToOuterDisposeScope();
    }

    private static Tensor Slice(Tensor image, PixelRect part) =>
        part.Left == 0 && part.Top == 0 && part.Width == image.shape[2] && part.Height == image.shape[1]
            ? image
            : image.narrow(1, part.Top, part.Height).narrow(2, part.Left, part.Width).contiguous();

    public void Dispose()
    {
        foreach (var t in _targets) t.Dispose();
        _targets.Clear();
    }
}
