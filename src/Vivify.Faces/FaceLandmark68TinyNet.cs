using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// face-api's FaceLandmark68TinyNet: TinyFaceFeatureExtractor (three <c>denseBlock3</c>, 3→32→64→128 channels,
/// each halving the 112×112 input; then a 14×14 average pool) and a fully-connected layer to 136 outputs.
/// Input: the normalised batch of <see cref="FaceLandmarks.Preprocess"/>.
/// Weights: <c>face_landmark_68_tiny_model-weights_manifest.json</c>.
/// </summary>
public sealed class FaceLandmark68TinyNet : nn.Module<Tensor, Tensor>
{
    public const string ModelName = "face_landmark_68_tiny_model";

    public DenseBlock dense0;
    public DenseBlock dense1;
    public DenseBlock dense2;
    public TfFullyConnected fc;

    public FaceLandmark68TinyNet() : base(nameof(FaceLandmark68TinyNet))
    {
        dense0 = new DenseBlock(3, 32, 3, isFirstLayer: true);
        dense1 = new DenseBlock(32, 64, 3);
        dense2 = new DenseBlock(64, 128, 3);
        fc = new TfFullyConnected(128, 136);
        RegisterComponents();
    }

    /// <summary>The network with the weights of <paramref name="modelDir"/>/face_landmark_68_tiny_model-weights_manifest.json, in eval mode.</summary>
    public static FaceLandmark68TinyNet Load(string modelDir)
    {
        var net = new FaceLandmark68TinyNet();
        TfjsLoader.Load(net, Path.Combine(modelDir, ModelName + "-weights_manifest.json"));
        net.eval();
        return net;
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var @out = dense0.forward(x);
        @out = dense1.forward(@out);
        @out = dense2.forward(@out);
        @out = nn.functional.avg_pool2d(@out, [14, 14], stride: [2, 2]);
        return fc.forward(@out.reshape(@out.shape[0], -1)).MoveToOuterDisposeScope();
    }
}
