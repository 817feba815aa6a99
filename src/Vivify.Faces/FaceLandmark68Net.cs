using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// face-api's FaceLandmark68Net: FaceFeatureExtractor (four <c>denseBlock4</c>, 3→32→64→128→256 channels; then a 7×7
/// average pool) and the fully-connected layer of <see cref="FaceLandmark68NetBase"/>.
/// Weights: <c>face_landmark_68_model-weights_manifest.json</c>.
/// </summary>
public sealed class FaceLandmark68Net : FaceLandmark68NetBase
{
    public const string ModelName = "face_landmark_68_model";

    public DenseBlock dense0;
    public DenseBlock dense1;
    public DenseBlock dense2;
    public DenseBlock dense3;
    public TfFullyConnected fc;

    public FaceLandmark68Net() : base(nameof(FaceLandmark68Net), pool: 7)
    {
        dense0 = new DenseBlock(3, 32, 4, isFirstLayer: true);
        dense1 = new DenseBlock(32, 64, 4);
        dense2 = new DenseBlock(64, 128, 4);
        dense3 = new DenseBlock(128, 256, 4);
        fc = new TfFullyConnected(256, 136);
        RegisterComponents();
    }

    protected override IReadOnlyList<DenseBlock> Extractor => [dense0, dense1, dense2, dense3];

    protected override TfFullyConnected Head => fc;

    /// <summary>The network with the weights of <paramref name="modelDir"/>/face_landmark_68_model-weights_manifest.json, in eval mode.</summary>
    public static FaceLandmark68Net Load(string modelDir) => Load(new FaceLandmark68Net(), modelDir, ModelName);
}
