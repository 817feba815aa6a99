using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.Torch.Modules;

/// <summary>
/// A "same" convolution with few output channels (FOMM's last layer: 7×7, 64 → 3 at 256×256) computed on the input's
/// 2×2 blocks, for inference. oneDNN computes output channels in groups of 16: with 3 of them most of its work is
/// padding (about 85 GFLOP/s on a 2-core EPYC where wide layers run at 460). Rearranged, output pixel (2a+i, 2b+i')
/// becomes channel (i, i', o) of block (a, b) and input pixel (2a+j−δ, 2b+j'−δ) channel (j, j', c) of block (a, b),
/// so the same convolution is one with 4× the channels in and out at half the resolution, whose taps are the kernel's
/// taps placed by offset (zero where none falls). With δ = 1 for kernels of 3, 7, 11… (0 for 5, 9…) the input's
/// blocks start one pixel before the output's, which needs (k+1)/2 taps a side instead of (k+1)/2 + 1: for 7×7, 4×4
/// taps of which 77 % are the kernel's, where aligned blocks need 5×5 (49 %). Every output is the same sum of the
/// same products; only the order of the additions can differ. On that EPYC, vox-256's last layer: 14.5 → 6.4 ms
/// (bf16), 29 → 12.4 ms (float32). Held apart from the module's parameters, like <see cref="FoldedConv"/>: made from
/// fixed weights.
/// </summary>
public sealed class SpaceToDepthConv : IDisposable
{
    /// <summary>The most output channels rewritten: with more, oneDNN's groups of 16 are already well used.</summary>
    public const long MaxOutputs = 4;

    /// <summary>The fewest output pixels (batch × height × width) computed this way; below, the rearrangement is not worth it.</summary>
    public const long MinPositions = 64 * 64;

    /// <summary>[4·out, 4·in, t, t] laid out channels last; channels ordered (row in block, column in block, channel).</summary>
    private readonly Tensor weight;
    private readonly Tensor? bias;
    private readonly long outputs;
    private readonly long padding;
    /// <summary>How many pixels before the output's blocks the input's start (δ: 0 or 1).</summary>
    private readonly long shift;

    private SpaceToDepthConv(Tensor weight, Tensor? bias, long outputs, long padding, long shift)
    {
        this.weight = weight;
        this.bias = bias;
        this.outputs = outputs;
        this.padding = padding;
        this.shift = shift;
        packed = new PrepackedWeight(weight, padding);
    }

    /// <summary>The weight laid out once for oneDNN, where that serves (bf16 on the CPU).</summary>
    private readonly PrepackedWeight packed;

    /// <summary>Whether <paramref name="conv"/> is one this rewrites: one group, stride and dilation 1, an odd square kernel with "same" padding, at most <see cref="MaxOutputs"/> outputs.</summary>
    public static bool Fits(Conv2d conv)
    {
        if (conv.weight is not { } w || w.dim() != 4 || w.device.type == DeviceType.META) return false;
        long k = w.shape[2];
        return conv.groups == 1 && w.shape[3] == k && k % 2 == 1 && w.shape[0] <= MaxOutputs
            && conv.stride is [1, 1] && conv.dilation is [1, 1] && conv.padding is { } p && p.Length == 2 && p[0] == k / 2 && p[1] == k / 2
            && conv.padding_mode == PaddingModes.Zeros;
    }

    /// <summary>Whether <paramref name="x"/> [N, C, H, W] is computed this way: even height and width, at least <see cref="MinPositions"/> pixels.</summary>
    public static bool Pays(Tensor x) => Pays(x.shape[0], x.shape[2], x.shape[3]);

    /// <summary>Whether an input of <paramref name="batch"/> × <paramref name="height"/> × <paramref name="width"/> is computed this way.</summary>
    public static bool Pays(long batch, long height, long width) => height % 2 == 0 && width % 2 == 0 && batch * height * width >= MinPositions;

    /// <summary>Whether <see cref="forward_blocks"/> reads shifted blocks (<see cref="UpsampledConv.forward_blocks"/>): kernels of 3, 7, 11….</summary>
    public bool TakesShiftedBlocks => shift == 1;

    /// <summary>From <paramref name="conv"/> (see <see cref="Fits"/>), in its weights' dtype and device; its taps are copied, not summed.</summary>
    public static SpaceToDepthConv From(Conv2d conv)
    {
        if (!Fits(conv)) throw new ArgumentException("only a convolution with one group, stride 1, an odd square kernel with same padding and few outputs", nameof(conv));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var w = conv.weight!;
        long outputs = w.shape[0], inputs = w.shape[1], k = w.shape[2], p = k / 2, shift = p % 2;
        // Output pixel 2a+i reads input pixel 2a+i+d−p for tap d: that is pixel j of the input's block a+t when
        // 2t + j − shift = i + d − p. The taps t that occur, over every i, j and d:
        long Tap(long i, long j, long d) => (i + d - p + shift - j) / 2;
        bool Falls(long i, long j, long d) => (i + d - p + shift - j) % 2 == 0;
        var offsets = (from i in new long[] { 0, 1 }
                       from j in new long[] { 0, 1 }
                       from d in Enumerable.Range(0, (int)k)
                       where Falls(i, j, d)
                       select Tap(i, j, d)).ToList();
        long first = offsets.Min(), last = offsets.Max();
        // Padding: −first blocks before, last − shift after (the input has H/2 + shift blocks); equal for odd kernels.
        if (-first != last - shift) throw new InvalidOperationException($"unequal padding for a {k}×{k} kernel");
        var blocked = zeros(4 * outputs, 4 * inputs, last - first + 1, last - first + 1, dtype: w.dtype, device: w.device);
        for (var iy = 0; iy < 2; iy++)
            for (var ix = 0; ix < 2; ix++)
                for (var jy = 0; jy < 2; jy++)
                    for (var jx = 0; jx < 2; jx++)
                        for (var dy = 0L; dy < k; dy++)
                            for (var dx = 0L; dx < k; dx++)
                            {
                                if (!Falls(iy, jy, dy) || !Falls(ix, jx, dx)) continue;
                                using var to = blocked.narrow(0, (2 * iy + ix) * outputs, outputs).narrow(1, (2 * jy + jx) * inputs, inputs)
                                    .select(2, Tap(iy, jy, dy) - first).select(2, Tap(ix, jx, dx) - first);
                                using var from = w.select(2, dy).select(2, dx);
                                to.copy_(from);
                            }
        var weight = ChannelsLast.Of(blocked).detach().MoveToOuterDisposeScope();
        var bias = conv.bias?.repeat(4).detach().MoveToOuterDisposeScope();
        weight.DetachFromDisposeScope();
        bias?.DetachFromDisposeScope();
        return new SpaceToDepthConv(weight, bias, outputs, -first, shift);
    }

    /// <summary>The convolution of <paramref name="x"/> [N, in, H, W] (H and W even; any layout): [N, out, H, W], contiguous.</summary>
    public Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        if (h % 2 != 0 || w % 2 != 0) throw new ArgumentException($"the height and width must be even, got {h}×{w}", nameof(x));
        return Convolve(Blocks(x, shift)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The convolution of an input already cut into shifted blocks [N, (j, j', in), H/2 + 1, W/2 + 1], block (a, b)
    /// holding input pixel (2a+j−1, 2b+j'−1) and zero outside the input, as <see cref="UpsampledConv.forward_blocks"/>
    /// gives them (only where <see cref="TakesShiftedBlocks"/>): [N, out, H, W], contiguous.
    /// </summary>
    public Tensor forward_blocks(Tensor blocks)
    {
        if (shift != 1) throw new InvalidOperationException($"this {weight.shape[2]}×{weight.shape[3]}-tap rewrite reads blocks aligned with the output, not shifted ones");
        if (blocks.shape[1] != weight.shape[1]) throw new ArgumentException($"blocks of {blocks.shape[1]} channels, expected {weight.shape[1]}", nameof(blocks));
        return Convolve(blocks);
    }

    /// <summary>The blocks' convolution, rearranged into the output [N, out, H, W] (H/2 × W/2 blocks out).</summary>
    private Tensor Convolve(Tensor blocks)
    {
        using var scope = NewDisposeScope();
        var y = packed.conv2d(blocks, bias); // [N, (iy, ix, out), H/2, W/2]
        long n = y.shape[0], h = 2 * y.shape[2], w = 2 * y.shape[3];
        var @out = y.view(n, 2, 2, outputs, h / 2, w / 2).permute(0, 3, 4, 1, 5, 2).reshape(n, outputs, h, w);
        return @out.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <paramref name="x"/> [N, C, H, W] as blocks [N, (j, j', C), H/2 + shift, W/2 + shift] laid out channels last, block
    /// (a, b) holding input pixels (2a+j−shift, 2b+j'−shift), zero outside the input.
    /// </summary>
    private static Tensor Blocks(Tensor x, long shift)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var pixels = x.permute(0, 2, 3, 1); // [N, H, W, C]: a view when x is channels last
        Tensor blocks;
        if (shift == 0)
            blocks = pixels.reshape(n, h / 2, 2, w / 2, 2, c).permute(0, 1, 3, 2, 4, 5).reshape(n, h / 2, w / 2, 4 * c);
        else
        {
            long bh = h / 2 + 1, bw = w / 2 + 1;
            var grid = empty([n, bh, bw, 2, 2, c], dtype: x.dtype, device: x.device); // [N, block row, block column, j, j', C]
            ZeroOutside(grid);
            var pairs = pixels.view(n, h / 2, 2, w / 2, 2, c); // row 2r + q
            for (var jy = 0; jy < 2; jy++)
                for (var jx = 0; jx < 2; jx++) // position j holds row 2·(block row) + j − 1: j = 0 odd rows from block row 1, j = 1 even rows from 0
                    grid.select(3, jy).select(3, jx).narrow(1, 1 - jy, h / 2).narrow(2, 1 - jx, w / 2).copy_(pairs.select(2, 1 - jy).select(3, 1 - jx));
            blocks = grid.view(n, bh, bw, 4 * c);
        }
        return blocks.permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Zeroes the places of shifted blocks [N, block row, block column, j, j', C] that fall outside the picture: pixel row
    /// −1 (block row 0, j = 0) and row H (the last block row, j = 1), and the same for columns.
    /// </summary>
    internal static void ZeroOutside(Tensor grid)
    {
        long rows = grid.shape[1], columns = grid.shape[2];
        using (var top = grid.select(1, 0).select(2, 0)) top.zero_();
        using (var bottom = grid.select(1, rows - 1).select(2, 1)) bottom.zero_();
        using (var left = grid.select(2, 0).select(3, 0)) left.zero_();
        using (var right = grid.select(2, columns - 1).select(3, 1)) right.zero_();
    }

    public void Dispose()
    {
        packed.Dispose();
        weight.Dispose();
        bias?.Dispose();
    }
}
