using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Faces;

/// <summary>
/// FaceRecognitionNet's <c>convLayer</c>: <c>tf.conv2d</c> + bias, then the scale layer (<c>x * scale.weights + scale.biases</c>),
/// then an optional ReLU; 'same' padding at stride 1, 'valid' at stride 2 (<c>convDown</c>). Children <c>conv</c>
/// (<see cref="TfConv2d"/>) and <c>scale</c> as the tfjs names (<c>conv32_1/conv1/conv/filters</c>, <c>…/scale/weights</c>).
/// </summary>
public sealed class ScaleConvLayer : nn.Module<Tensor, Tensor>
{
    public TfConv2d conv;
    public ScaleLayer scale;
    private readonly bool _relu;

    public ScaleConvLayer(long inChannels, long outChannels, long kernel, long stride, bool relu) : base(nameof(ScaleConvLayer))
    {
        conv = new TfConv2d(inChannels, outChannels, kernel, stride, samePadding: stride == 1);
        scale = new ScaleLayer(outChannels);
        _relu = relu;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var @out = scale.forward(conv.forward(x));
        return (_relu ? nn.functional.relu(@out) : @out).MoveToOuterDisposeScope();
    }
}

/// <summary>face-api's scale layer: <c>tf.add(tf.mul(x, weights), biases)</c> per channel (NCHW here).</summary>
public sealed class ScaleLayer : nn.Module<Tensor, Tensor>
{
    public Parameter weights;
    public Parameter biases;

    public ScaleLayer(long channels) : base(nameof(ScaleLayer))
    {
        weights = nn.Parameter(ones(channels));
        biases = nn.Parameter(zeros(channels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x * weights.view(1, -1, 1, 1)).add(biases.view(1, -1, 1, 1), One).MoveToOuterDisposeScope();
    }
}
