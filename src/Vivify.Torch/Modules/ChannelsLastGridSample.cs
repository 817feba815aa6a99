using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Torch.Modules;

/// <summary>
/// grid_sample (bilinear, zero padding) of a feature map laid out channels last, giving one laid out the same way, for
/// inference. libtorch's grid_sample gives a contiguous [N, C, H, W] whatever its input, which the convolutions after
/// it then copy to channels last, a transposition that cost more than the sampling (1.5 ms against 2.1 ms for FOMM's
/// 256 × 64 × 64 features in bf16 on a 2-core EPYC). Here each output pixel gathers its four neighbours' rows of C
/// values, which channels last keeps together, and weighs them as libtorch's CPU kernel does, in float32 whatever the
/// input's dtype: the same weights, the same products and sums, rounded to the input's dtype once at the end.
/// </summary>
public static class ChannelsLastGridSample
{
    /// <summary>
    /// <paramref name="input"/> [N or 1, C, H, W] sampled at <paramref name="grid"/> [N, Ho, Wo, 2] (x, y in [−1, 1]),
    /// times <paramref name="scale"/> [N, 1, Ho, Wo] when given (an occlusion map, applied before the rounding):
    /// [N, C, Ho, Wo] in the input's dtype, laid out channels last. A batch-1 input serves every grid of the batch.
    /// </summary>
    public static Tensor Bilinear(Tensor input, Tensor grid, bool align_corners, Tensor? scale = null)
    {
        using var scope = NewDisposeScope();
        long n = grid.shape[0], ho = grid.shape[1], wo = grid.shape[2];
        long c = input.shape[1], h = input.shape[2], w = input.shape[3];
        if (input.shape[0] != n && input.shape[0] != 1)
            throw new ArgumentException($"the input's batch ({input.shape[0]}) is neither the grid's ({n}) nor 1", nameof(input));
        var shared = input.shape[0] == 1 || input.stride(0) == 0; // one source for every grid (an expanded batch)
        // [N·H·W, C] rows: a view when the input is channels last.
        var rows = (shared ? input.narrow(0, 0, 1) : input).permute(0, 2, 3, 1).reshape(-1, c);

        var g = grid.to(ScalarType.Float32);
        var (x, y) = (g.select(3, 0), g.select(3, 1));
        // libtorch's unnormalisation: (v + 1)·(size − 1)/2 with align_corners, (v + 1)·size/2 − 1/2 without, the latter
        // a multiply-add, which its compiled kernel fuses (as addcmul's is): the same coordinates to the last bit.
        var ix = Unnormalized(x, w, align_corners);
        var iy = Unnormalized(y, h, align_corners);
        var (x0, y0) = (ix.floor(), iy.floor());
        var east = ix - x0; // distance to the west column
        var south = iy - y0;
        var west = east.neg().add_(S(1.0), One);
        var north = south.neg().add_(S(1.0), One);
        var batchOffset = shared ? zeros(n, 1, 1, dtype: ScalarType.Int64, device: input.device)
            : arange(S(0L), S(n), One, dtype: ScalarType.Int64, device: input.device).mul_(S(h * w)).view(n, 1, 1);

        Tensor? result = null;
        // Neighbours in libtorch's order of summation: north-west, north-east, south-west, south-east.
        foreach (var (dx, dy, weight) in new[] { (0, 0, north * west), (1, 0, north * east), (0, 1, south * west), (1, 1, south * east) })
        {
            var xi = dx == 0 ? x0 : x0.add(S(1.0), One);
            var yi = dy == 0 ? y0 : y0.add(S(1.0), One);
            // Zero padding: a neighbour outside the map weighs nothing. Its row is read from index 0 instead; a NaN or
            // infinite coordinate keeps its NaN weight, so that the output is NaN there, as libtorch's is.
            var inside = xi.ge(S(0.0)).logical_and_(xi.le(S(w - 1.0))).logical_and_(yi.ge(S(0.0))).logical_and_(yi.le(S(h - 1.0)));
            var outside = inside.logical_not();
            var index = yi.masked_fill(outside, S(0.0)).to(ScalarType.Int64).mul_(S(w))
                .add_(xi.masked_fill(outside, S(0.0)).to(ScalarType.Int64), One).add_(batchOffset, One).view(-1);
            var weights = weight.masked_fill_(outside.logical_and_(weight.isnan().logical_not_()), S(0.0)).view(-1, 1);
            using var gathered = rows.index_select(0, index); // freed at once: four of them would be the largest memory here
            if (result is null) result = gathered.to(ScalarType.Float32).mul_(weights);
            else result.addcmul_(gathered, weights, One);
        }
        if (scale is not null) result!.mul_(scale.to(ScalarType.Float32).reshape(-1, 1));
        var sampled = result!.to(input.dtype).view(n, ho, wo, c).permute(0, 3, 1, 2);
        return sampled.MoveToOuterDisposeScope();
    }

    private static Tensor Unnormalized(Tensor v, long size, bool align_corners) => align_corners
        ? v.add(S(1.0), One).mul_(S((size - 1) / 2.0))
        : full_like(v, S(-0.5)).addcmul_(v.add(S(1.0), One), full_like(v, S(size / 2.0)), One);
}
