using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Faces;

/// <summary>
/// face-api's <c>mobileNetV1</c> (the SSD detector's backbone): <c>conv_0</c> (3×3, stride 2) and 13 pairs
/// <c>conv_1</c> … <c>conv_13</c> of a depthwise 3×3 convolution with batch norm and a pointwise convolution, all
/// clipped to [0, 6]; stride 2 at pairs 2, 4, 6 and 12. Returns the last output and that of pair 11.
/// </summary>
public sealed class MobileNetV1 : nn.Module<Tensor, (Tensor Out, Tensor Conv11)>
{
    private static readonly long[] Channels = [32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024];
    public PointwiseConvLayer conv_0;
    // conv_1 … conv_13 registered by name (face-api's parameter paths), kept in a list for the forward pass.
    private readonly List<ConvPair> _pairs = [];

    public MobileNetV1() : base(nameof(MobileNetV1))
    {
        conv_0 = new PointwiseConvLayer(3, 32, 3, 2);
        RegisterComponents();
        for (var i = 1; i <= 13; i++)
        {
            var pair = new ConvPair(Channels[i - 1], Channels[i], i is 2 or 4 or 6 or 12 ? 2 : 1);
            _pairs.Add(pair);
            register_module($"conv_{i}", pair);
        }
    }

    public override (Tensor Out, Tensor Conv11) forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var @out = conv_0.forward(x);
        Tensor? conv11 = null;
        for (var i = 0; i < _pairs.Count; i++)
        {
            @out = _pairs[i].forward(@out);
            if (i + 1 == 11) conv11 = @out;
        }
        return (@out.MoveToOuterDisposeScope(), conv11!.MoveToOuterDisposeScope());
    }

    /// <summary>One depthwise + pointwise pair: children <c>depthwise_conv</c>, <c>pointwise_conv</c>.</summary>
    public sealed class ConvPair : nn.Module<Tensor, Tensor>
    {
        public DepthwiseConvLayer depthwise_conv;
        public PointwiseConvLayer pointwise_conv;

        public ConvPair(long inChannels, long outChannels, long stride) : base(nameof(ConvPair))
        {
            depthwise_conv = new DepthwiseConvLayer(inChannels, stride);
            pointwise_conv = new PointwiseConvLayer(inChannels, outChannels, 1, 1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            return pointwise_conv.forward(depthwise_conv.forward(x)).MoveToOuterDisposeScope();
        }
    }
}

/// <summary>face-api's <c>pointwiseConvLayer</c>: <c>clip(conv2d(x, filters, stride, 'same') + batch_norm_offset, 0, 6)</c>.</summary>
public sealed class PointwiseConvLayer : nn.Module<Tensor, Tensor>
{
    public Parameter filters;
    public Parameter batch_norm_offset;
    private readonly long _stride;

    public PointwiseConvLayer(long inChannels, long outChannels, long kernel, long stride) : base(nameof(PointwiseConvLayer))
    {
        filters = nn.Parameter(zeros(outChannels, inChannels, kernel, kernel));
        batch_norm_offset = nn.Parameter(zeros(outChannels));
        _stride = stride;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var padded = TfSamePadding.Pad(x, filters.shape[2], _stride);
        var @out = nn.functional.conv2d(padded, filters, batch_norm_offset, strides: [_stride, _stride]);
        return @out.clamp(S(0), S(6)).MoveToOuterDisposeScope();
    }
}

/// <summary>face-api's <c>depthwiseConvLayer</c>: 3×3 depthwise conv ('same'), <c>tf.batchNorm</c> (ε = 0.001 as
/// float32), clipped to [0, 6]. tfjs's CPU batch norm computes <c>offset + (x − mean) · scale / sqrt(var + ε)</c> in double.</summary>
public sealed class DepthwiseConvLayer : nn.Module<Tensor, Tensor>
{
    private const double Epsilon = 0.0010000000474974513;

    public Parameter filters;
    public Parameter batch_norm_scale;
    public Parameter batch_norm_offset;
    public Parameter batch_norm_mean;
    public Parameter batch_norm_variance;
    private readonly long _stride;

    public DepthwiseConvLayer(long channels, long stride) : base(nameof(DepthwiseConvLayer))
    {
        filters = nn.Parameter(zeros(channels, 1, 3, 3));
        batch_norm_scale = nn.Parameter(ones(channels));
        batch_norm_offset = nn.Parameter(zeros(channels));
        batch_norm_mean = nn.Parameter(zeros(channels));
        batch_norm_variance = nn.Parameter(ones(channels));
        _stride = stride;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var padded = TfSamePadding.Pad(x, 3, _stride);
        var @out = nn.functional.conv2d(padded, filters, null, strides: [_stride, _stride], groups: filters.shape[0]).to_type(ScalarType.Float64);
        var v = (Tensor p) => p.to_type(ScalarType.Float64).view(1, -1, 1, 1);
        var bn = v(batch_norm_offset).add((@out - v(batch_norm_mean)) * v(batch_norm_scale) / v(batch_norm_variance).add(S(Epsilon), One).sqrt(), One);
        return bn.to_type(ScalarType.Float32).clamp(S(0), S(6)).MoveToOuterDisposeScope();
    }
}
