using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// face-api's <c>depthwiseSeparableConv</c>: <c>tf.separableConv2d(x, depthwise_filter, pointwise_filter, stride, 'same')</c>
/// then <c>+ bias</c> (no bias between the depthwise and the pointwise step), on NCHW tensors. State-dict keys are the
/// tfjs names; <c>depthwise_filter</c> is held as [C,1,k,k] (tfjs: [k,k,C,1]) and <c>pointwise_filter</c> as [O,C,1,1]
/// (tfjs: [1,1,C,O]).
/// </summary>
public sealed class TfSeparableConv2d : nn.Module<Tensor, Tensor>
{
    public Parameter depthwise_filter;
    public Parameter pointwise_filter;
    public Parameter bias;
    private readonly long _stride;

    public TfSeparableConv2d(long inChannels, long outChannels, long stride = 1, long kernel = 3) : base(nameof(TfSeparableConv2d))
    {
        depthwise_filter = nn.Parameter(zeros(inChannels, 1, kernel, kernel));
        pointwise_filter = nn.Parameter(zeros(outChannels, inChannels, 1, 1));
        bias = nn.Parameter(zeros(outChannels));
        _stride = stride;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var padded = TfSamePadding.Pad(x, depthwise_filter.shape[2], _stride);
        var depthwise = nn.functional.conv2d(padded, depthwise_filter, null, strides: [_stride, _stride], groups: depthwise_filter.shape[0]);
        return nn.functional.conv2d(depthwise, pointwise_filter, bias).MoveToOuterDisposeScope();
    }
}
