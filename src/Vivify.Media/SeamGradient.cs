using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Media;

/// <summary>
/// How visible a paste's seam is: the mean gradient magnitude across the mask's falling band (0.05 &lt; mask &lt; 0.95,
/// inside the picture) of the output, over that of the picture: 1 where the paste adds no edge.
/// </summary>
public static class SeamGradient
{
    public static double Ratio(RgbFrame picture, RgbFrame output, SquareBox box, PasteMask mask)
    {
        using var scope = NewDisposeScope();
        var inside = box.Inside(picture.Width, picture.Height);
        var part = inside with { Left = inside.Left - box.Left, Top = inside.Top - box.Top };
        var m = mask.Values(box.Side, part);
        var band = m.gt(S(0.05)).logical_and(m.lt(S(0.95))).narrow(0, 1, part.Height - 2).narrow(1, 1, part.Width - 2);
        double Gradient(RgbFrame frame)
        {
            var image = FrameRegion.ToFloat(FrameRegion.Bytes(frame, inside));
            var gx = image.narrow(2, 2, part.Width - 2).sub(image.narrow(2, 0, part.Width - 2)).narrow(1, 1, part.Height - 2);
            var gy = image.narrow(1, 2, part.Height - 2).sub(image.narrow(1, 0, part.Height - 2)).narrow(2, 1, part.Width - 2);
            var magnitude = gx.pow(S(2)).add(gy.pow(S(2)), One).sum(0, keepdim: false).sqrt();
            return magnitude.masked_select(band).mean().item<float>();
        }
        return Gradient(output) / Gradient(picture);
    }
}
