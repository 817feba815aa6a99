using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Distributed;
using Vivify.Torch.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Blocks;

/// <summary>Residual block that keeps the spatial size: x + conv2(relu(norm2(conv1(relu(norm1(x)))))).</summary>
public sealed class ResBlock2d : nn.Module<Tensor, Tensor>, IBatchNormFoldable
{
    internal readonly Conv2d conv1;
    internal readonly Conv2d conv2;
    internal readonly BatchNorm2d norm1;
    internal readonly BatchNorm2d norm2;
    private readonly ConvNorm convNorm1; // conv1 then norm2: norm1 precedes conv1 and is not folded
    private readonly long padding;
    /// <summary>Both convolutions by Winograd's algorithm, once folded for inference only where that is faster (<see cref="WinogradConv"/>).</summary>
    private (WinogradConv conv1, WinogradConv conv2)? winograd;
    /// <summary>conv2's weight laid out once for oneDNN (bf16 on the CPU), once <see cref="PrepareForInference"/> made it.</summary>
    private PrepackedWeight? conv2Packed;

    public ResBlock2d(long in_features, long kernel_size, long padding, Device? device = null) : base(nameof(ResBlock2d))
    {
        conv1 = nn.Conv2d(in_features, in_features, kernel_size, padding: padding, device: device);
        conv2 = nn.Conv2d(in_features, in_features, kernel_size, padding: padding, device: device);
        norm1 = nn.BatchNorm2d(in_features, affine: true, device: device);
        norm2 = nn.BatchNorm2d(in_features, affine: true, device: device);
        convNorm1 = new ConvNorm(conv1, norm2, padding);
        this.padding = padding;
        RegisterComponents();
    }

    /// <summary>
    /// Folds norm2 into conv1 (norm1 precedes its convolution and stays). With <paramref name="release"/> (inference
    /// only), on the CPU, float32 or bf16 and at least <see cref="WinogradConv.MinChannels"/> channels, both
    /// convolutions are then computed by <see cref="WinogradConv"/>, whose weights replace theirs (transformed from the
    /// float32 weights, folded in float32).
    /// </summary>
    public void FoldBatchNorm(ScalarType? dtype = null, bool release = false)
    {
        DisposeInferenceForms();
        var compute = dtype ?? conv1.weight!.dtype;
        // conv2 is made as conv1 is (kernel, padding, stride, groups): only its weight's dtype and device can differ.
        if (!release || conv2.in_channels < WinogradConv.MinChannels || !WinogradConvIn(compute)
            || !WinogradConv.Fits(conv1.weight!, padding, 1, 1) || !WinogradConv.Fits(conv2.weight!, padding, 1, 1))
        {
            convNorm1.Fold(dtype, release);
            return;
        }
        using var _ = no_grad();
        using (var scope = NewDisposeScope())
        {
            var (w1, b1) = FoldedConv.Fold(conv1, norm2);
            winograd = (WinogradConv.From(w1, b1, compute), WinogradConv.From(conv2.weight!, conv2.bias, compute));
        }
        convNorm1.ReleaseFolded(); // an earlier fold's
        FoldedConv.Release(conv1, norm2);
        conv2.weight = new Parameter(empty(conv2.weight!.shape, conv2.weight.dtype, META), requires_grad: false);
        if (conv2.bias is { } b) conv2.bias = new Parameter(empty(b.shape, b.dtype, META), requires_grad: false);
    }

    /// <summary>
    /// Whether Winograd's algorithm computes a block in <paramref name="dtype"/>: float32, and bf16 unless
    /// VIVIFY_WINOGRAD_BF16=0 (for side-by-side measurements: bf16 then computes oneDNN's direct convolution, 1.9× slower
    /// at vox-256's bottleneck with about a seventh of the error; see <see cref="WinogradConv"/>).
    /// </summary>
    internal static bool WinogradConvIn(ScalarType dtype) =>
        dtype == ScalarType.Float32
        || (dtype == ScalarType.BFloat16 && Environment.GetEnvironmentVariable("VIVIFY_WINOGRAD_BF16") is not ("0" or "false"));

    /// <summary>
    /// For a model whose weights are fixed from now on (inference only, as <see cref="MotionTransfer"/> makes it): conv2's
    /// weight laid out once for oneDNN where that serves (<see cref="PrepackedWeight"/>: bf16 on the CPU; conv1 is a
    /// <see cref="FoldedConv"/>, which does so itself). Call after the weights have their dtype, device and layout.
    /// </summary>
    internal void PrepareForInference()
    {
        conv2Packed?.Dispose();
        conv2Packed = winograd is null && conv2.weight is { } w && w.device_type != DeviceType.META
            ? new PrepackedWeight(w, conv2.padding!, conv2.stride, conv2.groups) : null;
    }

    /// <summary>Whether inference computes the convolutions by <see cref="WinogradConv"/>.</summary>
    internal bool UsesWinograd => winograd is not null;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var @out = SynchronizedBatchNorm.forward(norm1, x);
        @out = Fresh.Relu(@out);
        var fast = training ? null : winograd;
        @out = fast is { } f1 ? f1.conv1.forward(@out) : convNorm1.forward(@out, training);
        @out = Fresh.Relu(@out);
        @out = fast is { } f2 ? f2.conv2.forward(@out) : !training && conv2Packed is { } p2 ? p2.conv2d(@out, conv2.bias) : conv2.forward(@out);
        @out = Fresh.Add(@out, x);
        return @out.MoveToOuterDisposeScope();
    }

    /// <summary>Frees what inference computes with instead of the module's own convolutions (Winograd's weights, conv2's laid-out weight).</summary>
    private void DisposeInferenceForms()
    {
        conv2Packed?.Dispose();
        conv2Packed = null;
        if (winograd is not { } w) return;
        w.conv1.Dispose();
        w.conv2.Dispose();
        winograd = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) DisposeInferenceForms();
        base.Dispose(disposing);
    }
}
