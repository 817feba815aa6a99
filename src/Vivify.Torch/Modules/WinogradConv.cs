using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Torch.Modules;

/// <summary>
/// A 3×3 convolution with stride 1, padding 1 and one group, computed for inference on the CPU by Winograd's minimal
/// filtering F(4×4, 3×3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016): each 4×4 block
/// of outputs comes from a 6×6 tile of the input as 36 products per input and output channel instead of 144, that is
/// 4× fewer multiply-adds. The tiles are transformed (V = Bᵀ·d·B), multiplied by the transformed weights
/// (U = G·g·Gᵀ, made once) as 36 matrix products [tiles, in] × [in, out], and transformed back (Y = Aᵀ·M·A).
/// libtorch's own convolution (oneDNN) uses no Winograd kernel on the CPU; for vox-256's bottleneck convolution
/// (256 → 256 channels at 64×64, one image, 2 threads) this takes 19 ms against its 26 ms on a 2-core AMD EPYC with
/// AVX2, and 14–18 ms against 21 ms on one with AVX-512 (Zen 4) (bench/animate/results.md). Same values as the direct
/// convolution up to float32 rounding, which is up to a few times larger here (the transforms add and scale).
/// Float32 only. The transformed weights are 4× the size of the 3×3 weights; held apart from any module's parameters,
/// like <see cref="FoldedConv"/>.
/// </summary>
public sealed class WinogradConv : IDisposable
{
    /// <summary>Output tile size m and input tile size m + 2 of F(m×m, 3×3).</summary>
    private const int M = 4, Tile = M + 2;

    // F(4, 3) at the points 0, 1, −1, 1/2, −2 and ∞ (Toom–Cook: Bᵀ the transposed inverse of the points' Vandermonde
    // matrix, G their powers, Aᵀ their powers transposed; Lavin and Gray's scaling: 1/Π(pᵢ − pⱼ) in G, its inverse in
    // Bᵀ). Lavin and Gray's points 0, ±1, ±2 round 2 to 3 times worse at the largest errors: the asymmetric pair keeps
    // the transforms' entries small (Barabasz et al., "Error analysis and improving the accuracy of Winograd
    // convolution for deep neural networks", 2020). Measured in a float32 simulation of one output channel (256 input
    // channels, 2048 tiles, He-scaled weights): largest error 2.2e-5 to 2.6e-5 against 6.0e-5 to 6.6e-5.
    private static readonly double[,] BT =
    {
        { 1, -3 / 2.0, -2, 3 / 2.0, 1, 0 }, { 0, -1, 1 / 2.0, 5 / 2.0, 1, 0 }, { 0, 1, -5 / 2.0, 1 / 2.0, 1, 0 },
        { 0, -2, -1, 2, 1, 0 }, { 0, 1 / 2.0, -1, -1 / 2.0, 1, 0 }, { 0, 1, -3 / 2.0, -2, 3 / 2.0, 1 },
    };
    private static readonly double[,] G =
    {
        { 1, 0, 0 }, { 1 / 3.0, 1 / 3.0, 1 / 3.0 }, { -1 / 3.0, 1 / 3.0, -1 / 3.0 },
        { -16 / 15.0, -8 / 15.0, -4 / 15.0 }, { 1 / 15.0, -2 / 15.0, 4 / 15.0 }, { 0, 0, 1 },
    };
    private static readonly double[,] AT =
    {
        { 1, 1, 1, 1, 1, 0 }, { 0, 1, -1, 1 / 2.0, -2, 0 }, { 0, 1, 1, 1 / 4.0, 4, 0 }, { 0, 1, -1, 1 / 8.0, -8, 1 },
    };

    /// <summary>[36, out, in] (a view of [out, 36, in]): the weights transformed, tile position by tile position.</summary>
    private readonly Tensor u;
    private readonly Tensor bias;
    /// <summary>kron(Bᵀ, Bᵀ) [36, 36] and kron(Aᵀ, Aᵀ) [16, 36]: both transforms of a flattened tile as one matrix product.</summary>
    private readonly Tensor inputTransform, outputTransform;

    private WinogradConv(Tensor u, Tensor bias, Tensor inputTransform, Tensor outputTransform)
    {
        this.u = u;
        this.bias = bias;
        this.inputTransform = inputTransform;
        this.outputTransform = outputTransform;
    }

    public long in_features => u.shape[2];
    public long out_features => u.shape[1];

    /// <summary>Whether <paramref name="weight"/> [out, in, 3, 3] with this padding, groups and stride is a convolution this computes: float32 on the CPU.</summary>
    public static bool Fits(Tensor weight, long padding, long groups, long stride) =>
        weight.dim() == 4 && weight.shape[2] == 3 && weight.shape[3] == 3 && padding == 1 && groups == 1 && stride == 1
        && weight.dtype == ScalarType.Float32 && weight.device.type == DeviceType.CPU;

    /// <summary>
    /// The fewest input and output channels for which this is faster than libtorch's direct convolution on an AVX2 CPU
    /// (measured at 64×64: 44 → 128 and 256 → 64 channels are slower this way, 256 → 256 faster).
    /// </summary>
    public const long MinChannels = 128;

    /// <summary>From a 3×3 convolution's weight [out, in, 3, 3] (any layout) and bias [out] (or none); see <see cref="Fits"/>.</summary>
    public static WinogradConv From(Tensor weight, Tensor? bias)
    {
        if (!Fits(weight, 1, 1, 1)) throw new ArgumentException($"only a float32 3×3 convolution on the CPU, got {weight.dtype} [{string.Join(", ", weight.shape)}] on {weight.device}", nameof(weight));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        long outs = weight.shape[0], ins = weight.shape[1];
        // U[(a, b), o, i] = Σ G[a, k]·w[o, i, k, l]·G[b, l]: kron(G, G) [36, 9] times each output channel's taps [9, in]
        // (a view of a channels-last weight, the layout inference reads), in float32: the transform's own rounding is far
        // below that of the tiles' transforms. Kept as [out, 36, in] and used through a view as [36, out, in]: the
        // matrix products take it as it is.
        var kg = kron(tensor(G, dtype: ScalarType.Float64), tensor(G, dtype: ScalarType.Float64)).to(ScalarType.Float32);
        var taps = weight.permute(0, 2, 3, 1).reshape(outs, 9, ins);
        var u = kg.matmul(taps).permute(1, 0, 2).MoveToOuterDisposeScope();
        var b = (bias?.to(ScalarType.Float32) ?? zeros(outs)).contiguous().MoveToOuterDisposeScope();
        var bt = tensor(BT, dtype: ScalarType.Float64);
        var at = tensor(AT, dtype: ScalarType.Float64);
        var input = kron(bt, bt).to(ScalarType.Float32).MoveToOuterDisposeScope();
        var output = kron(at, at).to(ScalarType.Float32).MoveToOuterDisposeScope();
        foreach (var t in new[] { u, b, input, output }) t.DetachFromDisposeScope();
        return new WinogradConv(u, b, input, output);
    }

    /// <summary>
    /// conv2d(x, weight, bias, padding: 1) for <paramref name="x"/> [N, in, H, W] float32 of any size and layout; the
    /// output [N, out, H, W] is laid out channels last (<see cref="ChannelsLast"/>), as oneDNN's is for such input.
    /// Images are transformed and multiplied one at a time, so the transient memory beyond a padded copy of the input is a few
    /// times one image's, whatever the batch.
    /// </summary>
    public Tensor forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != in_features || x.dtype != ScalarType.Float32 || x.device.type != DeviceType.CPU)
            throw new ArgumentException($"expected float32 [N, {in_features}, H, W] on the CPU, got {x.dtype} [{string.Join(", ", x.shape)}] on {x.device}", nameof(x));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        long n = x.shape[0], h = x.shape[2], w = x.shape[3], c = in_features, o = out_features;
        long th = (h + M - 1) / M, tw = (w + M - 1) / M, tiles = th * tw;
        long hp = th * M + 2, wp = tw * M + 2; // padded by 1 before, by 1 + the last tile's overhang after
        var padded = ChannelsLast.ZeroPadded(x, hp, wp);
        var result = empty(n, th * M, tw * M, o, dtype: x.dtype, device: x.device);
        var biasRow = bias.repeat(tiles).view(1, tiles * o);
        for (var i = 0; i < n; i++)
        {
            using var image = NewDisposeScope();
            // d[(r, s), (ty, tx), ch] = padded[i, M·ty + r, M·tx + s, ch]: the overlapping 6×6 tiles, position by position.
            var tilesOf = padded.as_strided([Tile, Tile, th, tw, c], [wp * c, c, M * wp * c, M * c, 1], i * hp * wp * c).reshape(Tile * Tile, tiles * c);
            var v = inputTransform.mm(tilesOf).view(Tile * Tile, tiles, c);
            tilesOf.Dispose();
            var m = bmm(v, u.transpose(1, 2)); // [36, tiles, out]
            v.Dispose();
            var y = addmm(biasRow, outputTransform, m.view(Tile * Tile, tiles * o), 1, 1); // [16, tiles·out]
            m.Dispose();
            // y[(p, q), (ty, tx), ch] → result[i, M·ty + p, M·tx + q, ch]
            result[i].view(th, M, tw, M, o).copy_(y.view(M, M, th, tw, o).permute(2, 0, 3, 1, 4));
        }
        var cropped = h % M == 0 && w % M == 0 ? result : result.narrow(1, 0, h).narrow(2, 0, w).contiguous();
        return cropped.permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        u.Dispose();
        bias.Dispose();
        inputTransform.Dispose();
        outputTransform.Dispose();
    }
}
