using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Faces;

/// <summary>
/// face-api's <c>denseBlock3</c>/<c>denseBlock4</c> (FaceFeatureExtractor): a stride-2 first convolution (a plain
/// conv for the network's first block, separable otherwise) followed by 2 or 3 separable convolutions, each fed the
/// ReLU of the sum of all earlier outputs; the block returns the ReLU of the sum of all outputs.
/// Children <c>conv0</c> … <c>conv3</c> as the tfjs names (<c>dense0/conv0/filters</c> → <c>dense0.conv0.filters</c>).
/// </summary>
public sealed class DenseBlock : nn.Module<Tensor, Tensor>
{
    public nn.Module<Tensor, Tensor> conv0;
    public TfSeparableConv2d conv1;
    public TfSeparableConv2d conv2;
    public TfSeparableConv2d? conv3;

    /// <param name="convs">3 (denseBlock3) or 4 (denseBlock4).</param>
    /// <param name="isFirstLayer">conv0 is a plain 3×3 convolution (the network's input block).</param>
    public DenseBlock(long inChannels, long outChannels, int convs, bool isFirstLayer = false) : base(nameof(DenseBlock))
    {
        if (convs is not (3 or 4)) throw new ArgumentOutOfRangeException(nameof(convs), "a dense block has 3 or 4 convolutions");
        conv0 = isFirstLayer ? new TfConv2d(inChannels, outChannels, 3, stride: 2) : new TfSeparableConv2d(inChannels, outChannels, stride: 2);
        conv1 = new TfSeparableConv2d(outChannels, outChannels);
        conv2 = new TfSeparableConv2d(outChannels, outChannels);
        conv3 = convs == 4 ? new TfSeparableConv2d(outChannels, outChannels) : null;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var out1 = nn.functional.relu(conv0.forward(x));
        var out2 = conv1.forward(out1);
        var in3 = nn.functional.relu(out1.add(out2, One));
        var out3 = conv2.forward(in3);
        if (conv3 is null)
            return nn.functional.relu(out1.add(out2.add(out3, One), One)).MoveToOuterDisposeScope();
        var in4 = nn.functional.relu(out1.add(out2.add(out3, One), One));
        var out4 = conv3.forward(in4);
        return nn.functional.relu(out1.add(out2.add(out3.add(out4, One), One), One)).MoveToOuterDisposeScope();
    }
}
