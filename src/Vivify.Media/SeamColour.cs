using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Media;

/// <summary>
/// Colour matching at the seam of a paste, on a coarse grid (<see cref="Grid"/>² cells over the box): the difference
/// picture − animated crop is measured in the ring where the mask falls from 1 to 0 (weights 4m(1 − m), largest where
/// both are half visible; cells outside the picture weigh nothing) and spread over the whole box by normalised Gaussian
/// averaging (σ = <see cref="Sigma"/> of the box's side): each cell gets the weighted mean difference of the ring
/// cells near it. Added to the animated crop, it removes a colour or brightness shift between the crop and the
/// picture — smoothly varying around the ring, so a shift on one side only is corrected there — while keeping all
/// detail (only frequencies of about σ and lower change). An animated crop equal to the picture's gets a correction
/// of only the low-pass of its own resampling error.
/// </summary>
internal sealed class SeamColour : IDisposable
{
    public const int Grid = 32;
    public const double Sigma = 0.2;

    private readonly Tensor _spread;   // [g², g²]: row p holds the normalised weights of every cell q for cell p

    /// <param name="mask">The paste's mask.</param>
    /// <param name="valid">[g,g] bool: grid cells inside the picture (the others, padded for the network, are not measured).</param>
    public SeamColour(PasteMask mask, Tensor valid)
    {
        using var scope = NewDisposeScope();
        var m = mask.Values(Grid).to(ScalarType.Float64);
        var ring = m.mul(m.neg().add_(S(1), One)).mul_(S(4)).mul_(valid.to(ScalarType.Float64)).flatten();
        var centres = arange(S(0), S(Grid), One, dtype: ScalarType.Float64).add_(S(0.5), One).div_(S(Grid));
        var ys = centres.unsqueeze(1).expand(Grid, Grid).flatten();
        var xs = centres.unsqueeze(0).expand(Grid, Grid).flatten();
        var d2 = ys.unsqueeze(1).sub(ys.unsqueeze(0)).pow(S(2)).add_(xs.unsqueeze(1).sub(xs.unsqueeze(0)).pow(S(2)), One);
        var gauss = d2.div_(S(-2 * Sigma * Sigma)).exp_();
        var weights = gauss.mul_(ring.unsqueeze(0));
        var total = weights.sum(1, keepdim: true);
        // No ring at all (a box whose ring lies outside the picture): no correction.
        _spread = where(total > S(1e-12), weights.div(total.clamp_min(S(1e-12))), zeros_like(weights)).to(ScalarType.Float32).DetachFromDisposeScope();
    }

    /// <summary>The correction [3,g,g] to add to the animated crop, from the picture's and the crop's grids [3,g,g] (area averages over each cell).</summary>
    public Tensor Offset(Tensor pictureGrid, Tensor animatedGrid)
    {
        using var scope = NewDisposeScope();
        var difference = pictureGrid.sub(animatedGrid).reshape(3, Grid * Grid);
        return difference.matmul(_spread.t()).reshape(3, Grid, Grid).MoveToOuterDisposeScope();
    }

    public void Dispose() => _spread.Dispose();
}
