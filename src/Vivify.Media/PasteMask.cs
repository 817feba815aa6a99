using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Media;

/// <summary>
/// The feathered mask through which an animated crop is pasted into its box: a rounded square, 1 in the middle of
/// the box, falling to 0 with a smoothstep (continuous value and slope, so no edge shows where it starts or ends) over
/// a band of width <see cref="Feather"/>, reaching 0 at <see cref="Inset"/> inside the box's edge. Sizes are fractions
/// of half the box's side, so the mask scales with the box. Outside the rounded square (its corners and the inset) the
/// mask is exactly 0: those pixels keep the picture's bytes.
/// </summary>
public sealed record PasteMask
{
    /// <summary>Distance from the box's edge to where the mask reaches 0 (the outermost pixels of a resized crop are its least reliable).</summary>
    public double Inset { get; init; } = 0.04;

    /// <summary>Width of the fall from 1 to 0.</summary>
    public double Feather { get; init; } = 0.3;

    /// <summary>Corner radius of the rounded square where the mask reaches 0 (1: a circle).</summary>
    public double CornerRadius { get; init; } = 0.5;

    /// <summary>The mask over the part <paramref name="part"/> (in the box's own pixels) of a box of side <paramref name="side"/>: float32 [h,w].</summary>
    public Tensor Values(int side, PixelRect part)
    {
        Validate();
        if (part.IsEmpty || part.Left < 0 || part.Top < 0 || part.Right > side || part.Bottom > side)
            throw new ArgumentOutOfRangeException(nameof(part), $"part {part} of a {side}x{side} box");
        using var scope = NewDisposeScope();
        Tensor Coordinates(int start, int count) => arange(S(start), S(start + count), One, dtype: ScalarType.Float64).add_(S(0.5), One).mul_(S(2.0 / side)).sub_(S(1));
        var y = Coordinates(part.Top, part.Height).unsqueeze(1);
        var x = Coordinates(part.Left, part.Width).unsqueeze(0);
        var halfSize = 1 - Inset;
        var radius = Math.Min(CornerRadius, halfSize);
        // Signed distance to the rounded square (negative inside), in units of half the side.
        var qx = x.abs().sub_(S(halfSize - radius));
        var qy = y.abs().sub_(S(halfSize - radius));
        var outside = qx.clamp_min(S(0)).pow(S(2)).add(qy.clamp_min(S(0)).pow(S(2)), One).sqrt();
        var inside = maximum(qx, qy).clamp_max(S(0));
        var distance = outside.add(inside, One).sub_(S(radius));
        var t = distance.neg().div_(S(Feather)).clamp_(S(0), S(1));
        var mask = t.pow(S(2)).mul(t.mul(S(-2)).add_(S(3), One));
        return mask.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>The whole box's mask, [side,side].</summary>
    public Tensor Values(int side) => Values(side, new PixelRect(0, 0, side, side));

    private void Validate()
    {
        if (!(Inset >= 0 && Inset < 1) || !(Feather > 0 && Feather <= 1 - Inset) || !(CornerRadius >= 0))
            throw new ArgumentException($"paste mask: inset {Inset} must be in [0, 1), feather {Feather} in (0, 1 - inset], corner radius {CornerRadius} not negative");
    }
}
