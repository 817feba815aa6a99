using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Torch.Modules;

/// <summary>
/// Nearest 2× upsampling followed by a 3×3 convolution (padding 1, batch norm folded in; FOMM's UpBlock2d, GeneratorJ's upconv layers), computed
/// on the low-resolution input for inference. Output pixel (2i+py, 2j+px) sees input rows {i−1, i} (py = 0) or
/// {i, i+1} (py = 1), and the same for columns, so each of the four phases (py, px) is a 2×2 convolution whose
/// taps are sums of the 3×3 taps: 16 multiply-adds per input channel and low-resolution pixel instead of 36, and
/// no upsampled copy of the input. The four phases run as one convolution with 4× the output channels, then are
/// interleaved into the high-resolution output. Same values as upsample-then-convolve up to float rounding.
/// Held apart from the module's parameters, like <see cref="FoldedConv"/>.
/// </summary>
public sealed class UpsampledConv : IDisposable
{
    /// <summary>[4·out, in, 2, 2], phases (0,0), (0,1), (1,0), (1,1) one after the other.</summary>
    private readonly Tensor weight;
    private readonly Tensor bias;
    private readonly long out_features;
    /// <summary>The phases in the opposite order, (1,1) first: made at first use by <see cref="forward_blocks"/>.</summary>
    private Tensor? reversedWeight, reversedBias;
    /// <summary>Both weights laid out once for oneDNN, where that serves (bf16 on the CPU).</summary>
    private readonly PrepackedWeight packed;
    private PrepackedWeight? reversedPacked;

    private UpsampledConv(Tensor weight, Tensor bias, long out_features)
    {
        this.weight = weight;
        packed = new PrepackedWeight(weight, 1);
        this.bias = bias;
        this.out_features = out_features;
    }

    /// <summary>
    /// With few low-resolution positions (batch × height × width) the convolution is dominated by reading its
    /// weights, which are 16/9 as many here: below this count upsample-then-convolve is faster (measured on
    /// vox-256's hourglasses, fp32 and bf16, batches 1 and 4).
    /// </summary>
    public const long MinPositions = 256;

    /// <summary>Whether computing on <paramref name="x"/> [N, C, H, W] this way is the faster choice.</summary>
    public static bool Pays(Tensor x) => x.shape[0] * x.shape[2] * x.shape[3] >= MinPositions;

    /// <summary>Whether <paramref name="folded"/> is a 3×3 convolution with padding 1 and one group, which this rewrites.</summary>
    public static bool Fits(FoldedConv folded) =>
        folded.padding == 1 && folded.groups == 1 && folded.weight.shape[2] == 3 && folded.weight.shape[3] == 3;

    /// <summary>From a folded 3×3 convolution with padding 1 (see <see cref="Fits"/>); the taps are summed in float32.</summary>
    public static UpsampledConv From(FoldedConv folded)
    {
        if (!Fits(folded)) throw new ArgumentException("only a 3×3 convolution with padding 1 and one group", nameof(folded));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var dtype = folded.weight.dtype;
        var w = folded.weight.to(dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32);
        // Row (and column) taps of each phase: phase 0 = [k0, k1 + k2], phase 1 = [k0 + k1, k2].
        static Tensor Taps(Tensor w, int phase, int dim)
        {
            Tensor k0 = w.narrow(dim, 0, 1), k1 = w.narrow(dim, 1, 1), k2 = w.narrow(dim, 2, 1);
            return phase == 0 ? cat([k0, k1.add(k2, One)], dim) : cat([k0.add(k1, One), k2], dim);
        }
        var phases = new List<Tensor>();
        for (var py = 0; py < 2; py++)
        {
            var rows = Taps(w, py, 2);
            for (var px = 0; px < 2; px++) phases.Add(Taps(rows, px, 3)); // [out, in, 2, 2]
        }
        var weight = ChannelsLast.Of(cat(phases, 0).to(dtype)).detach().MoveToOuterDisposeScope(); // as FoldedConv's
        var bias = folded.bias.repeat(4).detach().MoveToOuterDisposeScope();
        weight.DetachFromDisposeScope();
        bias.DetachFromDisposeScope();
        return new UpsampledConv(weight, bias, folded.weight.shape[0]);
    }

    /// <summary>
    /// The same output as the shifted 2×2 blocks that <see cref="SpaceToDepthConv.forward_blocks"/> reads: [N, (j, j', out),
    /// H+1, W+1], block (a, b) holding output pixel (2a+j−1, 2b+j'−1), zero where that falls outside the 2H × 2W output.
    /// Those are the phases as the convolution computes them, in the opposite order (pixel 2a−1 is phase 1 at position a,
    /// pixel 2a phase 0 at a): no interleaving copy, and none to cut the output into blocks again.
    /// </summary>
    public Tensor forward_blocks(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (reversedWeight is null)
            using (no_grad())
            {
                reversedWeight = ChannelsLast.Of(weight.view(4, out_features, weight.shape[1], 2, 2).flip(0).reshape(weight.shape)).detach();
                reversedBias = bias.view(4, out_features).flip(0).reshape(-1).detach();
                reversedWeight.DetachFromDisposeScope();
                reversedBias.DetachFromDisposeScope();
                reversedPacked = new PrepackedWeight(reversedWeight, 1);
            }
        long n = x.shape[0], h = x.shape[2], w = x.shape[3], c = out_features;
        var blocks = reversedPacked!.conv2d(x, reversedBias);
        SpaceToDepthConv.ZeroOutside(blocks.permute(0, 2, 3, 1).view(n, h + 1, w + 1, 2, 2, c)); // a view: only the channels are split
        return blocks.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// conv(interpolate(x, scale_factor: 2)) with the folded batch norm: [N, in, H, W] → [N, out, 2H, 2W], laid out
    /// channels last when <paramref name="x"/> is (<see cref="ChannelsLast"/>).
    /// </summary>
    public Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], h = x.shape[2], w = x.shape[3], c = out_features;
        // Padded by 1 all round, a 2×2 convolution gives (H+1)×(W+1) outputs; phase (py, px) takes those from (py, px) on.
        var all = packed.conv2d(x, bias);
        Tensor @out;
        if (ChannelsLast.Is(all))
        {
            var phases = all.permute(0, 2, 3, 1); // [N, H+1, W+1, 4·out], contiguous
            var nhwc = empty(n, 2 * h, 2 * w, c, dtype: x.dtype, device: x.device);
            var interleaved = nhwc.view(n, h, 2, w, 2, c);
            for (var py = 0; py < 2; py++)
                for (var px = 0; px < 2; px++)
                    interleaved.select(2, py).select(3, px).copy_(phases.narrow(3, (2 * py + px) * c, c).narrow(1, py, h).narrow(2, px, w));
            @out = nhwc.permute(0, 3, 1, 2);
        }
        else
        {
            @out = empty(n, c, 2 * h, 2 * w, dtype: x.dtype, device: x.device);
            var interleaved = @out.view(n, c, h, 2, w, 2);
            for (var py = 0; py < 2; py++)
                for (var px = 0; px < 2; px++)
                {
                    var phase = all.narrow(1, (2 * py + px) * c, c).narrow(2, py, h).narrow(3, px, w);
                    interleaved.select(3, py).select(4, px).copy_(phase);
                }
        }
        return @out.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        packed.Dispose();
        reversedPacked?.Dispose();
        weight.Dispose();
        bias.Dispose();
        reversedWeight?.Dispose();
        reversedBias?.Dispose();
    }
}
