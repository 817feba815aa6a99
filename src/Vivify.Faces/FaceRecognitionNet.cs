using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Faces;

/// <summary>
/// face-api's FaceRecognitionNet (a ResNet-34-like network after dlib's face recognition model): 150×150 face crop in,
/// 128-D descriptor out. conv32_down (7×7, stride 2, valid) and a 3×3/2 max pool, residual stages of 32, 64, 128 and
/// 256 channels, a spatial mean and <c>fc</c> ([256,128], held as tfjs stores it: <c>x @ fc</c>).
/// Weights: <c>face_recognition_model-weights_manifest.json</c>; input: <see cref="Preprocess"/>.
/// </summary>
public sealed class FaceRecognitionNet : nn.Module<Tensor, Tensor>
{
    public const string ModelName = "face_recognition_model";
    public const int InputSize = 150;

    /// <summary>face-api's match threshold: two descriptors closer than this (Euclidean) are the same person.</summary>
    public const double MatchThreshold = 0.6;

    public ScaleConvLayer conv32_down;
    public ResidualLayer conv32_1, conv32_2, conv32_3;
    public ResidualLayer conv64_down, conv64_1, conv64_2, conv64_3;
    public ResidualLayer conv128_down, conv128_1, conv128_2;
    public ResidualLayer conv256_down, conv256_1, conv256_2, conv256_down_out;
    public Parameter fc;

    public FaceRecognitionNet() : base(nameof(FaceRecognitionNet))
    {
        conv32_down = new ScaleConvLayer(3, 32, 7, 2, relu: true);
        conv32_1 = new ResidualLayer(32, 32, down: false);
        conv32_2 = new ResidualLayer(32, 32, down: false);
        conv32_3 = new ResidualLayer(32, 32, down: false);
        conv64_down = new ResidualLayer(32, 64, down: true);
        conv64_1 = new ResidualLayer(64, 64, down: false);
        conv64_2 = new ResidualLayer(64, 64, down: false);
        conv64_3 = new ResidualLayer(64, 64, down: false);
        conv128_down = new ResidualLayer(64, 128, down: true);
        conv128_1 = new ResidualLayer(128, 128, down: false);
        conv128_2 = new ResidualLayer(128, 128, down: false);
        conv256_down = new ResidualLayer(128, 256, down: true);
        conv256_1 = new ResidualLayer(256, 256, down: false);
        conv256_2 = new ResidualLayer(256, 256, down: false);
        conv256_down_out = new ResidualLayer(256, 256, down: true);
        fc = nn.Parameter(zeros(256, 128));
        RegisterComponents();
    }

    /// <summary>The network with the weights of <paramref name="modelDir"/>/face_recognition_model-weights_manifest.json, in eval mode.</summary>
    public static FaceRecognitionNet Load(string modelDir)
    {
        var net = new FaceRecognitionNet();
        TfjsLoader.Load(net, Path.Combine(modelDir, ModelName + "-weights_manifest.json"));
        net.eval();
        return net;
    }

    /// <summary>The network's input for a face crop ([3,H,W] RGB in [0,1]): [1,3,150,150], as face-api prepares it.</summary>
    public static Tensor Preprocess(Tensor crop) => TfImage.NormalisedSquare(crop, InputSize, FaceLandmarks.MeanRgb);

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var @out = conv32_down.forward(x);
        @out = nn.functional.max_pool2d(@out, [3, 3], strides: [2, 2]);
        @out = conv32_3.forward(conv32_2.forward(conv32_1.forward(@out)));
        @out = conv64_3.forward(conv64_2.forward(conv64_1.forward(conv64_down.forward(@out))));
        @out = conv128_2.forward(conv128_1.forward(conv128_down.forward(@out)));
        @out = conv256_down_out.forward(conv256_2.forward(conv256_1.forward(conv256_down.forward(@out))));
        var globalAvg = @out.mean([2L, 3L]);
        return matmul(globalAvg, fc).MoveToOuterDisposeScope();
    }

    /// <summary>The 128-D descriptor [128] of the face filling <paramref name="crop"/> ([3,H,W] RGB in [0,1]).</summary>
    public Tensor ComputeFaceDescriptor(Tensor crop)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return forward(Preprocess(crop))[0].MoveToOuterDisposeScope();
    }

    /// <summary>The Euclidean distance between two descriptors (face-api's <c>euclideanDistance</c>).</summary>
    public static double Distance(Tensor a, Tensor b)
    {
        using var d = (a - b).pow(S(2)).sum().sqrt();
        return d.item<float>();
    }

    /// <summary>Whether two descriptors are the same person by face-api's 0.6 threshold.</summary>
    public static bool IsMatch(Tensor a, Tensor b) => Distance(a, b) < MatchThreshold;
}
