using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// face-api's FaceLandmark68Net: FaceFeatureExtractor (four <c>denseBlock4</c>, 3→32→64→128→256 channels, each
/// halving the 112×112 input; then a 7×7 average pool) and a fully-connected layer to 136 outputs, the 68 (x,y)
/// positions relative to the padded 112×112 input. Input: the normalised batch of <see cref="FaceLandmarks.Preprocess"/>.
/// Weights: <c>face_landmark_68_model-weights_manifest.json</c>.
/// </summary>
public sealed class FaceLandmark68Net : nn.Module<Tensor, Tensor>
{
    public const string ModelName = "face_landmark_68_model";

    public DenseBlock dense0;
    public DenseBlock dense1;
    public DenseBlock dense2;
    public DenseBlock dense3;
    public TfFullyConnected fc;

    public FaceLandmark68Net() : base(nameof(FaceLandmark68Net))
    {
        dense0 = new DenseBlock(3, 32, 4, isFirstLayer: true);
        dense1 = new DenseBlock(32, 64, 4);
        dense2 = new DenseBlock(64, 128, 4);
        dense3 = new DenseBlock(128, 256, 4);
        fc = new TfFullyConnected(256, 136);
        RegisterComponents();
    }

    /// <summary>The network with the weights of <paramref name="modelDir"/>/face_landmark_68_model-weights_manifest.json, in eval mode.</summary>
    public static FaceLandmark68Net Load(string modelDir)
    {
        var net = new FaceLandmark68Net();
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
        @out = dense3.forward(@out);
        @out = nn.functional.avg_pool2d(@out, [7, 7], stride: [2, 2]);
        return fc.forward(@out.reshape(@out.shape[0], -1)).MoveToOuterDisposeScope();
    }
}
