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
/// Computes in float32, or in bf16 (<see cref="From"/>'s dtype), where the same convolution takes 4.6–5.2 ms against
/// oneDNN's 10.3 ms on the Zen 4 EPYC (AVX512-BF16), and vox-256's whole bottleneck 59–73 ms against 129 ms in a live
/// frame. In bf16 the tiles, the transformed weights and the 36 products are rounded to bf16 (the products' sums are
/// float32; the transforms' entries are exact in bf16). Each of the three roundings adds about 4× the error of bf16's
/// direct convolution, about 7× in all: a mean error of 1.24–1.26 % of the output's root mean square at 128 and 256
/// channels against 0.18 % (bench/animate/results.md, where this costs 0.8 dB of a vox-256 video's mean PSNR against
/// float32).
/// The transformed weights are 4× the size of the 3×3 weights; held apart from any module's parameters, like
/// <see cref="FoldedConv"/>.
/// </summary>
public sealed class WinogradConv : IDisposable
{
    /// <summary>Output tile size m and input tile size m + 2 of F(m×m, 3×3).</summary>
    private const int M = 4, Tile = M + 2;

    /// <summary>
    /// Tiles taken at once (the 16×16 of a 64×64 map). bf16 at 128 channels on a 128×128 map took 1.2–2× oneDNN's time
    /// when all its 1024 tiles went at once (buffers of 9 MB each), against 0.7× at 64×64.
    /// </summary>
    private const long BandTiles = 256;

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

    /// <summary>
    /// [36, in, out]: the weights transformed, tile position by tile position, laid out as the products read them
    /// (a transposed view made bf16's batched products 1.6× slower; float32's took either alike).
    /// </summary>
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

    public long in_features => u.shape[1];
    public long out_features => u.shape[2];

    /// <summary>The dtype this computes in (its input's and output's).</summary>
    public ScalarType dtype => u.dtype;

    /// <summary>Whether <paramref name="weight"/> [out, in, 3, 3] with this padding, groups and stride is a convolution this computes: float32 on the CPU.</summary>
    public static bool Fits(Tensor weight, long padding, long groups, long stride) =>
        weight.dim() == 4 && weight.shape[2] == 3 && weight.shape[3] == 3 && padding == 1 && groups == 1 && stride == 1
        && weight.dtype == ScalarType.Float32 && weight.device.type == DeviceType.CPU;

    /// <summary>
    /// The fewest input and output channels for which this is faster than libtorch's direct convolution on an AVX2 CPU
    /// (measured at 64×64: 44 → 128 and 256 → 64 channels are slower this way, 256 → 256 faster). In bf16 on the Zen 4
    /// EPYC, six residual blocks of 128 channels at 64×64 took 23–27 ms against oneDNN's 35 ms.
    /// </summary>
    public const long MinChannels = 128;

    /// <summary>
    /// From a 3×3 convolution's float32 weight [out, in, 3, 3] (any layout) and bias [out] (or none), see
    /// <see cref="Fits"/>, computing in <paramref name="dtype"/>: float32 (default) or bf16. The weights are transformed
    /// in float32 and rounded once to bf16.
    /// </summary>
    public static WinogradConv From(Tensor weight, Tensor? bias, ScalarType dtype = ScalarType.Float32)
    {
        if (!Fits(weight, 1, 1, 1)) throw new ArgumentException($"only a float32 3×3 convolution on the CPU, got {weight.dtype} [{string.Join(", ", weight.shape)}] on {weight.device}", nameof(weight));
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16)) throw new ArgumentException($"computes in float32 or bf16, not {dtype}", nameof(dtype));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        long outs = weight.shape[0], ins = weight.shape[1];
        // U[(a, b), i, o] = Σ G[a, k]·w[o, i, k, l]·G[b, l]: kron(G, G) [36, 9] times each output channel's taps [9, in]
        // (a view of a channels-last weight, the layout inference reads), in float32: the transform's own rounding is far
        // below that of the tiles' transforms. Rounded once to the compute dtype.
        var kg = kron(tensor(G, dtype: ScalarType.Float64), tensor(G, dtype: ScalarType.Float64)).to(ScalarType.Float32);
        var taps = weight.permute(0, 2, 3, 1).reshape(outs, 9, ins);
        var u = kg.matmul(taps).to(dtype).permute(1, 2, 0).contiguous().MoveToOuterDisposeScope();
        var b = (bias?.to(dtype) ?? zeros(outs, dtype: dtype)).contiguous().MoveToOuterDisposeScope();
        var bt = tensor(BT, dtype: ScalarType.Float64);
        var at = tensor(AT, dtype: ScalarType.Float64);
        var input = kron(bt, bt).to(dtype).MoveToOuterDisposeScope();
        var output = kron(at, at).to(dtype).MoveToOuterDisposeScope();
        foreach (var t in new[] { u, b, input, output }) t.DetachFromDisposeScope();
        return new WinogradConv(u, b, input, output);
    }

    /// <summary>
    /// conv2d(x, weight, bias, padding: 1) for <paramref name="x"/> [N, in, H, W] (<see cref="dtype"/>) of any size and layout; the
    /// output [N, out, H, W] is laid out channels last (<see cref="ChannelsLast"/>), as oneDNN's is for such input.
    /// Images are transformed and multiplied one at a time, and large ones in bands of tile rows, so the transient memory
    /// beyond a padded copy of the input is a few times that of a 64×64 image, whatever the batch and size.
    /// </summary>
    public Tensor forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != in_features || x.dtype != dtype || x.device.type != DeviceType.CPU)
            throw new ArgumentException($"expected {dtype} [N, {in_features}, H, W] on the CPU, got {x.dtype} [{string.Join(", ", x.shape)}] on {x.device}", nameof(x));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        long n = x.shape[0], h = x.shape[2], w = x.shape[3], c = in_features, o = out_features;
        long th = (h + M - 1) / M, tw = (w + M - 1) / M;
        long hp = th * M + 2, wp = tw * M + 2; // padded by 1 before, by 1 + the last tile's overhang after
        var padded = ChannelsLast.ZeroPadded(x, hp, wp);
        var result = empty(n, th * M, tw * M, o, dtype: x.dtype, device: x.device);
        // Bands of whole tile rows, about BandTiles tiles each: the transient buffers stay the size they are at vox-256's
        // 64×64 bottleneck (one band), where the products run fastest; larger maps are taken band by band.
        long bandRows = Math.Clamp(BandTiles / tw, 1, th);
        var biasRow = bias.repeat(bandRows * tw).view(1, bandRows * tw * o);
        for (var i = 0; i < n; i++)
            for (long r0 = 0; r0 < th; r0 += bandRows)
            {
                using var band = NewDisposeScope();
                long rows = Math.Min(bandRows, th - r0), tiles = rows * tw;
                // d[(r, s), (ty, tx), ch] = padded[i, M·(r0 + ty) + r, M·tx + s, ch]: the overlapping 6×6 tiles, position by position.
                var tilesOf = padded.as_strided([Tile, Tile, rows, tw, c], [wp * c, c, M * wp * c, M * c, 1], (i * hp + r0 * M) * wp * c)
                    .reshape(Tile * Tile, tiles * c);
                var v = inputTransform.mm(tilesOf).view(Tile * Tile, tiles, c);
                tilesOf.Dispose();
                var m = bmm(v, u); // [36, tiles, out]
                v.Dispose();
                var y = addmm(biasRow.narrow(1, 0, tiles * o), outputTransform, m.view(Tile * Tile, tiles * o), 1, 1); // [16, tiles·out]
                m.Dispose();
                // y[(p, q), (ty, tx), ch] → result[i, M·(r0 + ty) + p, M·tx + q, ch]
                result[i].narrow(0, r0 * M, rows * M).view(rows, M, tw, M, o).copy_(y.view(M, M, rows, tw, o).permute(2, 0, 3, 1, 4));
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
