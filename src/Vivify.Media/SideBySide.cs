using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Media;

/// <summary>
/// Previews: panels (e.g. source | driving | result) scaled to one height and placed left to right
/// with a gap, each with an optional label drawn in <see cref="BitmapFont"/> on a bar above it.
/// </summary>
public static class SideBySide
{
    public const int Gap = 4;

    /// <summary>Composes frames of any sizes into one (<see cref="Compose(IReadOnlyList{Tensor}, int, IReadOnlyList{string}?)"/>).</summary>
    public static RgbFrame Compose(IReadOnlyList<RgbFrame> panels, int height, IReadOnlyList<string>? labels = null)
    {
        using var scope = NewDisposeScope();
        return RgbFrame.FromTensor(Compose(panels.Select(p => p.ToTensor()).ToList(), height, labels));
    }

    /// <summary>Composes [3,H,W] panels in [0,1] into one [3,H',W'] image; labels may be null or shorter than panels.</summary>
    public static Tensor Compose(IReadOnlyList<Tensor> panels, int height, IReadOnlyList<string>? labels = null)
    {
        if (panels.Count == 0) throw new ArgumentException("nothing to compose", nameof(panels));
        using var scope = NewDisposeScope();
        var scaled = panels.Select(p => Geometry.ResizeToHeight(p.to(ScalarType.Float32), height)).ToList();
        var hasLabels = labels is { Count: > 0 } && labels.Any(l => !string.IsNullOrEmpty(l));
        var scale = Math.Max(1, height / 128);
        var bar = hasLabels ? BitmapFont.GlyphHeight * scale + 6 * scale : 0;
        var width = scaled.Sum(s => s.shape[2]) + Gap * (scaled.Count - 1);
        var canvas = full(3, height + bar, width, S(0.12f), device: scaled[0].device);
        long x = 0;
        for (int i = 0; i < scaled.Count; i++)
        {
            var pw = scaled[i].shape[2];
            canvas.narrow(1, bar, height).narrow(2, x, pw).copy_(scaled[i]);
            if (hasLabels && i < labels!.Count && !string.IsNullOrEmpty(labels[i]))
            {
                var text = labels[i];
                var maxChars = Math.Max(1, (int)(pw / (BitmapFont.Advance * scale)));
                if (text.Length > maxChars) text = text[..maxChars];
                var tx = (int)x + (int)(pw - BitmapFont.Measure(text, scale)) / 2;
                BitmapFont.Draw(canvas, text, tx, 3 * scale, scale, (1f, 1f, 1f));
            }
            x += pw + Gap;
        }
        return canvas.MoveToOuterDisposeScope();
    }
}
