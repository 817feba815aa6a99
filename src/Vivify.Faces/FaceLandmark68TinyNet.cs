using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// face-api's FaceLandmark68TinyNet: TinyFaceFeatureExtractor (three <c>denseBlock3</c>, 3→32→64→128 channels; then a
/// 14×14 average pool) and the fully-connected layer of <see cref="FaceLandmark68NetBase"/>.
/// Weights: <c>face_landmark_68_tiny_model-weights_manifest.json</c>.
/// </summary>
public sealed class FaceLandmark68TinyNet : FaceLandmark68NetBase
{
    public const string ModelName = "face_landmark_68_tiny_model";

    public DenseBlock dense0;
    public DenseBlock dense1;
    public DenseBlock dense2;
    public TfFullyConnected fc;

    public FaceLandmark68TinyNet() : base(nameof(FaceLandmark68TinyNet), pool: 14)
    {
        dense0 = new DenseBlock(3, 32, 3, isFirstLayer: true);
        dense1 = new DenseBlock(32, 64, 3);
        dense2 = new DenseBlock(64, 128, 3);
        fc = new TfFullyConnected(128, 136);
        RegisterComponents();
    }

    protected override IReadOnlyList<DenseBlock> Extractor => [dense0, dense1, dense2];

    protected override TfFullyConnected Head => fc;

    /// <summary>The network with the weights of <paramref name="modelDir"/>/face_landmark_68_tiny_model-weights_manifest.json, in eval mode.</summary>
    public static FaceLandmark68TinyNet Load(string modelDir) => Load(new FaceLandmark68TinyNet(), modelDir, ModelName);
}
