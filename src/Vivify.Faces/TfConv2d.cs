using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// <c>tf.add(tf.conv2d(x, filters, stride, 'same'), bias)</c> as face-api's conv layers run it, on NCHW tensors.
/// State-dict keys are the tfjs names (<c>filters</c>, <c>bias</c>); <c>filters</c> is held in PyTorch's OIHW layout
/// (tfjs stores HWIO; <see cref="TfjsLoader"/> transposes).
/// </summary>
public sealed class TfConv2d : nn.Module<Tensor, Tensor>
{
    public Parameter filters;
    public Parameter bias;
    private readonly long _stride;
    private readonly bool _samePadding;

    public TfConv2d(long inChannels, long outChannels, long kernel, long stride = 1, bool samePadding = true) : base(nameof(TfConv2d))
    {
        filters = nn.Parameter(zeros(outChannels, inChannels, kernel, kernel));
        bias = nn.Parameter(zeros(outChannels));
        _stride = stride;
        _samePadding = samePadding;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var padded = _samePadding ? TfSamePadding.Pad(x, filters.shape[2], _stride) : x;
        return nn.functional.conv2d(padded, filters, bias, strides: [_stride, _stride]).MoveToOuterDisposeScope();
    }
}
