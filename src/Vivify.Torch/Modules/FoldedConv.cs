using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Torch.Modules;

/// <summary>
/// A convolution with the batch norm that follows it folded in, for inference with running statistics:
/// W' = W·γ/√(σ²+ε), b' = (b − μ)·γ/√(σ²+ε) + β. Held apart from the module's parameters, so state dicts
/// and training are untouched (unless <see cref="Release"/>d); fold again after loading new weights.
/// </summary>
public sealed class FoldedConv : IDisposable
{
    private FoldedConv(Tensor weight, Tensor bias, long padding, long groups, long stride)
    {
        this.weight = weight;
        this.bias = bias;
        this.padding = padding;
        this.groups = groups;
        this.stride = stride;
        packed = new PrepackedWeight(weight, padding, stride, groups);
        // Fixed for the fold's life: only the input's size is left to each call (ByPatches).
        widePatches = weight.shape[1] >= PatchesMinInputs && weight.shape[2] == 3 && weight.shape[3] == 3 && padding == 1 && groups == 1
            && stride == 1 && ChannelsLast.Is(weight);
    }

    /// <summary>The weight laid out once for oneDNN, where that serves (bf16 on the CPU).</summary>
    private readonly PrepackedWeight packed;

    /// <summary>A wide 3×3 convolution whose weight is laid out channels last (see <see cref="PatchesMinInputs"/>).</summary>
    private readonly bool widePatches;

    /// <summary>The folded weight [out, in/groups, kh, kw] and bias [out].</summary>
    public Tensor weight { get; }
    public Tensor bias { get; }
    public long padding { get; }
    public long groups { get; }
    public long stride { get; }

    /// <summary>
    /// The fewest input channels of a 3×3 convolution (padding 1, stride 1, one group) whose small inputs
    /// (<see cref="PatchesMaxPositions"/>) are computed as one matrix product of their 3×3 patches with the weight, read
    /// as the matrix [out, 9·in] it is laid out as (channels last). oneDNN lays the weights of every convolution out anew
    /// at each call; for the hourglasses' widest layers (1024 and 2048 input channels at 4×4 and 8×8) that takes longer
    /// than the convolution: the dense motion network took 146–170 ms a batch of 2 that way, 103–121 ms this way
    /// (bench/animate/results.md). Where the weight is laid out once instead (<see cref="PrepackedWeight"/>: bf16 on the
    /// CPU), the convolution is the faster again: a bf16 vox-256 frame took 190–196 ms so against 197–205 ms by patches.
    /// </summary>
    public const long PatchesMinInputs = 1024;

    /// <summary>The most output positions (batch × height × width) computed as patches times the weight matrix; above, libtorch's convolution.</summary>
    public const long PatchesMaxPositions = 128;

    /// <summary>Whether <paramref name="x"/> is computed as its patches times the weight matrix (<see cref="PatchesMinInputs"/>).</summary>
    public bool ByPatches(Tensor x) =>
        widePatches && x.shape[0] * x.shape[2] * x.shape[3] <= PatchesMaxPositions && !OneDnnOps.Serves(x, weight);

    /// <summary>Batch norm epsilon of the published models (SynchronizedBatchNorm2d's default).</summary>
    public const double Eps = 1e-5;

    /// <param name="dtype">The dtype the folded weights are kept in; default the convolution's.</param>
    /// <param name="release">
    /// Free the weights the fold replaces (<see cref="Release"/>): the block can then only run folded. A convolution weight
    /// already laid out channels last is then scaled in place, as the convolution no longer holds it.
    /// </param>
    public static FoldedConv From(Conv2d conv, BatchNorm2d norm, long padding, long groups, ScalarType? dtype = null, long stride = 1, bool release = false)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        dtype ??= conv.weight!.dtype;
        var (scale, b) = Scale(conv, norm);
        // Laid out channels last, as the inference feature maps are: libtorch would otherwise copy the weights to that
        // layout at every call. The copy to that layout is the only new tensor: the scale multiplies it in place (the
        // same products as Fold's W·scale, in one pass over the weights instead of two).
        // With release, a weight already laid out so (read that way: TorchLoadOptions.ConvWeightsChannelsLast) is scaled in
        // place: the convolution gives it up below, so no copy is needed.
        var source = conv.weight!.to(scale.dtype);
        var w = release && source.dtype == conv.weight.dtype && ChannelsLast.Is(source) ? source.detach() : ChannelsLast.CopyOf(source);
        w.mul_(scale.view(-1, 1, 1, 1));
        var folded = new FoldedConv(w.to(dtype.Value).detach().MoveToOuterDisposeScope(), b.to(dtype.Value).detach().MoveToOuterDisposeScope(), padding, groups, stride).DetachAll();
        if (release) Release(conv, norm);
        return folded;
    }

    /// <summary>
    /// Frees the weights that a fold replaces: the convolution's and batch norm's parameters and statistics become
    /// meta tensors of the same shapes (no memory). The block can then only run folded, in eval mode.
    /// </summary>
    public static void Release(Conv2d conv, BatchNorm2d norm)
    {
        using var _ = no_grad();
        static Tensor Meta(Tensor t) => empty(t.shape, t.dtype, META);
        conv.weight = new Parameter(Meta(conv.weight!), requires_grad: false);
        if (conv.bias is { } cb) conv.bias = new Parameter(Meta(cb), requires_grad: false);
        norm.weight = new Parameter(Meta(norm.weight!), requires_grad: false);
        if (norm.bias is { } nb) norm.bias = new Parameter(Meta(nb), requires_grad: false);
        if (norm.running_mean is { } m) norm.running_mean = Meta(m);
        if (norm.running_var is { } v) norm.running_var = Meta(v);
    }

    /// <summary>
    /// The folded weight and bias, computed in float32 (float64 for a float64 model) whatever the model's dtype;
    /// callers store them in the model's dtype. Call under no_grad, inside a dispose scope.
    /// </summary>
    public static (Tensor weight, Tensor bias) Fold(Conv2d conv, BatchNorm2d norm)
    {
        var (scale, b) = Scale(conv, norm);
        return (conv.weight!.to(scale.dtype) * scale.view(-1, 1, 1, 1), b);
    }

    /// <summary>γ/√(σ²+ε) per output channel and the folded bias, in <see cref="Fold"/>'s compute dtype.</summary>
    private static (Tensor scale, Tensor bias) Scale(Conv2d conv, BatchNorm2d norm)
    {
        var compute = conv.weight!.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var scale = norm.weight!.to(compute) / norm.running_var!.to(compute).add(S(Eps), One).sqrt();
        var b = (((conv.bias?.to(compute) ?? zeros_like(scale)) - norm.running_mean!.to(compute)) * scale).add(norm.bias!.to(compute), One);
        return (scale, b);
    }

    private FoldedConv DetachAll()
    {
        weight.DetachFromDisposeScope();
        bias.DetachFromDisposeScope();
        return this;
    }

    public Tensor forward(Tensor x)
    {
        if (!ByPatches(x)) return packed.conv2d(x, bias);
        using var scope = NewDisposeScope();
        long n = x.shape[0], h = x.shape[2], w = x.shape[3], c = x.shape[1], o = weight.shape[0];
        var padded = ChannelsLast.ZeroPadded(x, h + 2, w + 2);
        // patches[(n, y, x), (ky, kx, ch)] = padded[n, y + ky, x + kx, ch]: the order of the weight's channels-last taps.
        var patches = padded.as_strided([n, h, w, 3, 3, c], [(h + 2) * (w + 2) * c, (w + 2) * c, c, (w + 2) * c, c, 1]).reshape(n * h * w, 9 * c);
        var matrix = weight.permute(0, 2, 3, 1).reshape(o, 9 * c); // a view: [out, ky, kx, in] in memory
        var y = addmm(bias, patches, matrix.t(), 1, 1); // [N·H·W, out]
        return y.view(n, h, w, o).permute(0, 3, 1, 2).MoveToOuterDisposeScope(); // channels last, as oneDNN's output
    }

    public void Dispose()
    {
        packed.Dispose();
        weight.Dispose();
        bias.Dispose();
    }
}
