using System.Text;
using TorchSharp;
using Vivify.Torch.Checkpoints;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Torch.Modules;

/// <summary>
/// libtorch's oneDNN convolution with a weight laid out once, ahead of the call, for <see cref="PrepackedWeight"/>.
/// libtorch's eager convolution lays the weight out anew in oneDNN's blocked format at every call (a reorder); for a
/// bf16 vox-256 frame on the CPU those reorders took about 10 ms of the frame's 200 (bench/live/results.md).
/// libtorch has the calls that avoid them, a weight reorder ahead of time (<c>aten::mkldnn_reorder_conv2d_weight</c>) and
/// a convolution that takes such a weight (<c>mkldnn::_convolution_pointwise</c>, which PyTorch's own compiler emits for CPU
/// inference), but TorchSharp binds neither. Both are reached here through TorchSharp's TorchScript loader: a small
/// TorchScript module, written below as source text and packed as the archive <c>torch.jit.save</c> writes, whose methods
/// call them. Nothing of it is fetched or stored: it is made in memory on first use.
/// </summary>
/// <remarks>
/// The module is checked once against libtorch's own convolution (the same values bit for bit) before it is used; if
/// loading or that check fails (another libtorch, a build without oneDNN), <see cref="Available"/> is false and callers
/// keep libtorch's convolution. VIVIFY_ONEDNN_PREPACK=0 turns it off (for side-by-side measurements).
/// </remarks>
public static class OneDnnOps
{
    private const string Code = """
        class OneDnnOps(Module):
          __parameters__ = []
          __buffers__ = []
          training : bool
          def forward(self: __torch__.OneDnnOps, x: Tensor) -> Tensor:
            return x
          def pack(self: __torch__.OneDnnOps, weight: Tensor, ph: int, pw: int, sh: int, sw: int, groups: int, n: int, c: int, h: int, w: int) -> Tensor:
            return torch.mkldnn_reorder_conv2d_weight(weight.to_mkldnn(), [ph, pw], [sh, sw], [1, 1], groups, [n, c, h, w])
          def conv(self: __torch__.OneDnnOps, x: Tensor, weight: Tensor, bias: Tensor, ph: int, pw: int, sh: int, sw: int, groups: int) -> Tensor:
            return ops.mkldnn._convolution_pointwise(x, weight, bias, [ph, pw], [sh, sw], [1, 1], groups, "none", annotate(List[Optional[number]], []), None)
          def conv_nobias(self: __torch__.OneDnnOps, x: Tensor, weight: Tensor, ph: int, pw: int, sh: int, sw: int, groups: int) -> Tensor:
            return ops.mkldnn._convolution_pointwise(x, weight, None, [ph, pw], [sh, sw], [1, 1], groups, "none", annotate(List[Optional[number]], []), None)

        """;

    // The module object: pickle protocol 2 of __torch__.OneDnnOps() with its state {"training": False}, as torch.jit.save writes it.
    private static readonly byte[] Data =
    [
        0x80, 0x02, .. "c__torch__\nOneDnnOps\n"u8, 0x71, 0x00, 0x29, 0x81, 0x7d, 0x28,
        0x58, 0x08, 0x00, 0x00, 0x00, .. "training"u8, 0x71, 0x01, 0x89, 0x75, 0x62, 0x2e,
    ];

    private static readonly Lazy<jit.ScriptModule?> Module = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Why the ops are not available (null when they are, or before first use).</summary>
    public static string? Unavailable { get; private set; }

    /// <summary>Whether the ops loaded and passed their check (loads them on first call).</summary>
    public static bool Available => Module.Value is not null;

    /// <summary>The TorchScript archive of the module (a zip of its code, its pickled object and its constants).</summary>
    internal static byte[] Archive()
    {
        using var stream = new MemoryStream();
        var zip = new StoredZipWriter(stream);
        zip.Add("onednn/data.pkl", Data);
        zip.Add("onednn/code/__torch__.py", Encoding.UTF8.GetBytes(Code));
        zip.Add("onednn/constants.pkl", [0x80, 0x02, 0x29, 0x2e]); // the empty tuple
        zip.Add("onednn/version", "3\n"u8);
        zip.Finish();
        return stream.ToArray();
    }

    private static jit.ScriptModule? Load()
    {
        if (Environment.GetEnvironmentVariable("VIVIFY_ONEDNN_PREPACK") is "0" or "false")
        {
            Unavailable = "turned off by VIVIFY_ONEDNN_PREPACK=0";
            TimingTrace.Mark($"oneDNN prepacked convolutions off: {Unavailable}");
            return null;
        }
        jit.ScriptModule? module = null;
        try
        {
            module = jit.load(Archive(), DeviceType.CPU);
            if (SelfCheck(module) is { } wrong) throw new InvalidOperationException(wrong);
            TimingTrace.Mark("oneDNN prepacked convolutions on");
            return module;
        }
        catch (Exception e)
        {
            module?.Dispose();
            Unavailable = e.Message.Split('\n')[0];
            TimingTrace.Mark($"oneDNN prepacked convolutions off: {Unavailable}");
            return null;
        }
    }

    /// <summary>A bf16 convolution with a prepacked weight against libtorch's own (null when they are equal).</summary>
    private static string? SelfCheck(jit.ScriptModule module)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        using var gen = new Generator(0);
        var x = ChannelsLast.Of(rand(2, 16, 9, 7, generator: gen).to(ScalarType.BFloat16));
        var w = ChannelsLast.Of(rand(24, 16, 3, 3, generator: gen).sub_(S(0.5)).to(ScalarType.BFloat16));
        var b = rand(24, generator: gen).to(ScalarType.BFloat16);
        var expected = nn.functional.conv2d(x, w, b, padding: [1, 1]);
        var packed = Invoke(module, "pack", w, 1, 1, 1, 1, 1, 2, 16, 9, 7);
        var got = Invoke(module, "conv", x, packed, b, 1, 1, 1, 1, 1);
        return got.dtype == expected.dtype && got.shape.SequenceEqual(expected.shape) && got.equal(expected).all().item<bool>()
            ? null : "the prepacked convolution differs from libtorch's";
    }

    /// <summary>
    /// Whether <paramref name="x"/> and <paramref name="weight"/> are a convolution this computes: bf16 on the CPU, no
    /// gradient to record (the ops have none), four dimensions; and the ops are available.
    /// </summary>
    public static bool Serves(Tensor x, Tensor weight) =>
        x.dtype == ScalarType.BFloat16 && weight.dtype == ScalarType.BFloat16 && x.device_type == DeviceType.CPU
        && weight.device_type == DeviceType.CPU && x.dim() == 4 && weight.dim() == 4
        && !(is_grad_enabled() && (x.requires_grad || weight.requires_grad)) && Available;

    /// <summary>
    /// <paramref name="weight"/> [out, in/groups, kh, kw] laid out for a convolution of input shaped
    /// <paramref name="inputShape"/> [N, C, H, W]: a oneDNN tensor, only for <see cref="Conv"/>.
    /// </summary>
    public static Tensor Pack(Tensor weight, long[] padding, long[] stride, long groups, long[] inputShape)
    {
        using var _ = no_grad();
        return Invoke(Module.Value!, "pack", weight, Int(padding[0]), Int(padding[1]), Int(stride[0]), Int(stride[1]), Int(groups),
            Int(inputShape[0]), Int(inputShape[1]), Int(inputShape[2]), Int(inputShape[3]));
    }

    /// <summary>conv2d(x, weight, bias) with a weight from <see cref="Pack"/>: the output laid out channels last.</summary>
    public static Tensor Conv(Tensor x, Tensor packed, Tensor? bias, long[] padding, long[] stride, long groups) =>
        bias is null
            ? Invoke(Module.Value!, "conv_nobias", x, packed, Int(padding[0]), Int(padding[1]), Int(stride[0]), Int(stride[1]), Int(groups))
            : Invoke(Module.Value!, "conv", x, packed, bias, Int(padding[0]), Int(padding[1]), Int(stride[0]), Int(stride[1]), Int(groups));

    private static int Int(long value) => checked((int)value);

    /// <summary>
    /// A method of the module, with tensors and ints only. TorchSharp passes an int to TorchScript by value, but a long,
    /// float or double through a temporary Scalar that nothing keeps alive until the call reads it (the hazard
    /// <see cref="Scalars"/> exists for); so nothing else is passed.
    /// </summary>
    private static Tensor Invoke(jit.ScriptModule module, string method, params object[] args)
    {
        foreach (var a in args)
            if (a is not (Tensor or int)) throw new ArgumentException($"only tensors and ints go to TorchScript here, got {a?.GetType().Name ?? "null"}", nameof(args));
        return (Tensor)module.invoke(method, args);
    }
}
