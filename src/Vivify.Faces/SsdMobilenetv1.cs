using System.Globalization;
using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Faces;

/// <summary>
/// face-api's SsdMobilenetv1 face detector: the picture padded to a square (padding after, not centred), resized to
/// 512×512, scaled to [−1, 1]; <see cref="MobileNetV1"/>, <see cref="SsdPredictionLayer"/>, box decoding against the
/// 5118 anchors (<c>output_layer.extra_dim</c>, TensorFlow's SSD box coder with scales 10, 10, 5, 5), the face score
/// <c>sigmoid</c> of class 1, and face-api's non-maximum suppression (IoU 0.5).
/// Weights: <c>ssd_mobilenetv1_model-weights_manifest.json</c> (TensorFlow names, renamed as face-api does).
/// </summary>
public sealed partial class SsdMobilenetv1 : nn.Module<Tensor, (Tensor Boxes, Tensor Scores)>
{
    public const string ModelName = "ssd_mobilenetv1_model";
    public const int InputSize = 512;
    public const double IouThreshold = 0.5;

    public MobileNetV1 mobilenetv1;
    public SsdPredictionLayer prediction_layer;
    public OutputLayer output_layer;

    public SsdMobilenetv1() : base(nameof(SsdMobilenetv1))
    {
        mobilenetv1 = new MobileNetV1();
        prediction_layer = new SsdPredictionLayer();
        output_layer = new OutputLayer();
        RegisterComponents();
    }

    /// <summary>The detector with the weights of <paramref name="modelDir"/>/ssd_mobilenetv1_model-weights_manifest.json, in eval mode.</summary>
    public static SsdMobilenetv1 Load(string modelDir)
    {
        var net = new SsdMobilenetv1();
        TfjsLoader.Load(net, Path.Combine(modelDir, ModelName + "-weights_manifest.json"), FaceApiPath);
        net.eval();
        return net;
    }

    /// <summary>face-api's parameter path for a TensorFlow weight name of the manifest, or null for the graph's constants.</summary>
    public static string? FaceApiPath(string tfName)
    {
        if (tfName == "Output/extra_dim") return "output_layer/extra_dim";
        var m = PointwiseRegex().Match(tfName);
        if (m.Success)
        {
            var i = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            var leaf = m.Groups[3].Value == "weights" ? "filters" : "batch_norm_offset";
            return m.Groups[1].Value == "MobilenetV1"
                ? (i == 0 ? $"mobilenetv1/conv_0/{leaf}" : $"mobilenetv1/conv_{i}/pointwise_conv/{leaf}")
                : $"prediction_layer/conv_{i}/{leaf}";
        }
        m = DepthwiseRegex().Match(tfName);
        if (m.Success)
        {
            var leaf = m.Groups[2].Value switch
            {
                "depthwise_weights" => "filters",
                "BatchNorm/gamma" => "batch_norm_scale",
                "BatchNorm/beta" => "batch_norm_offset",
                "BatchNorm/moving_mean" => "batch_norm_mean",
                _ => "batch_norm_variance",
            };
            return $"mobilenetv1/conv_{m.Groups[1].Value}/depthwise_conv/{leaf}";
        }
        m = PredictorRegex().Match(tfName);
        if (m.Success)
        {
            var kind = m.Groups[2].Value == "BoxEncodingPredictor" ? "box_encoding_predictor" : "class_predictor";
            return $"prediction_layer/box_predictor_{m.Groups[1].Value}/{kind}/{(m.Groups[3].Value == "weights" ? "filters" : "bias")}";
        }
        return null;
    }

    [GeneratedRegex(@"^(MobilenetV1|Prediction)/Conv2d_(\d+)_pointwise/(weights|convolution_bn_offset)$")]
    private static partial Regex PointwiseRegex();
    [GeneratedRegex(@"^MobilenetV1/Conv2d_(\d+)_depthwise/(depthwise_weights|BatchNorm/gamma|BatchNorm/beta|BatchNorm/moving_mean|BatchNorm/moving_variance)$")]
    private static partial Regex DepthwiseRegex();
    [GeneratedRegex(@"^Prediction/BoxPredictor_(\d+)/(BoxEncodingPredictor|ClassPredictor)/(weights|biases)$")]
    private static partial Regex PredictorRegex();

    /// <summary>Decoded boxes [N,5118,4] (ymin, xmin, ymax, xmax relative to the padded square) and face scores [N,5118]
    /// for the normalised batch [N,3,512,512].</summary>
    public override (Tensor Boxes, Tensor Scores) forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (features, conv11) = mobilenetv1.forward(x);
        var (boxPredictions, classPredictions) = prediction_layer.forward(features, conv11);
        var boxes = output_layer.Decode(boxPredictions);
        var scores = sigmoid(classPredictions[TensorIndex.Ellipsis, 1]);
        return (boxes.MoveToOuterDisposeScope(), scores.MoveToOuterDisposeScope());
    }

    /// <summary>face-api's <c>locateFaces</c>: the faces in <paramref name="image"/> ([3,H,W] RGB in [0,1]) scoring above
    /// <paramref name="minConfidence"/>, best first, at most <paramref name="maxResults"/>, as boxes in its pixels.</summary>
    public List<FaceDetection> LocateFaces(Tensor image, double minConfidence = 0.5, int maxResults = 100)
    {
        if (image.dim() != 3 || image.shape[0] != 3 || image.shape[1] < 1 || image.shape[2] < 1)
            throw new VivifyException($"face detection: expected an RGB picture [3,H,W], got [{string.Join(",", image.shape)}]");
        long height = image.shape[1], width = image.shape[2];
        float[,] boxes;
        float[] scores;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var pixels = image.to_type(ScalarType.Float32) * S(255f);
            var square = TfImage.PadToSquare(pixels, centred: false, out _);
            var resized = square.shape[1] == InputSize ? square : TfImage.ResizeBilinear(square, InputSize, InputSize);
            var x = (resized / S(127.5f) - S(1f)).unsqueeze(0);
            var (b, s) = forward(x);
            var b0 = b[0].contiguous();
            boxes = new float[b0.shape[0], 4];
            var flat = b0.data<float>().ToArray();
            Buffer.BlockCopy(flat, 0, boxes, 0, flat.Length * sizeof(float));
            scores = s[0].data<float>().ToArray();
        }
        var indices = NonMaxSuppression.Select(boxes, scores, maxResults, IouThreshold, minConfidence);
        // face-api: the padded square's relative coordinates back to the picture's (reshaped dimensions rounded).
        var scale = (double)InputSize / Math.Max(width, height);
        var padX = InputSize / Math.Round(width * scale, MidpointRounding.AwayFromZero);
        var padY = InputSize / Math.Round(height * scale, MidpointRounding.AwayFromZero);
        return indices.Select(i =>
        {
            var top = Math.Max(0, (double)boxes[i, 0]) * padY;
            var bottom = Math.Min(1.0, boxes[i, 2]) * padY;
            var left = Math.Max(0, (double)boxes[i, 1]) * padX;
            var right = Math.Min(1.0, boxes[i, 3]) * padX;
            return new FaceDetection(scores[i], left * width, top * height, (right - left) * width, (bottom - top) * height);
        }).ToList();
    }

    /// <summary>face-api's <c>outputLayer</c>: the anchors <c>extra_dim</c> [1,5118,4] (ymin, xmin, ymax, xmax) and the box decoding.</summary>
    public sealed class OutputLayer : nn.Module
    {
        public Parameter extra_dim;

        public OutputLayer() : base(nameof(OutputLayer))
        {
            extra_dim = nn.Parameter(zeros(1, 5118, 4));
            RegisterComponents();
        }

        /// <summary>Box encodings [N,5118,4] to boxes [N,5118,4], in face-api's float32 operation order.</summary>
        public Tensor Decode(Tensor encodings)
        {
            using var scope = NewDisposeScope();
            var a = extra_dim[0];
            var s0 = a[.., 2] - a[.., 0];
            var s1 = a[.., 3] - a[.., 1];
            var c0 = a[.., 0].add(s0 / S(2f), One);
            var c1 = a[.., 1].add(s1 / S(2f), One);
            var p = encodings;
            var div0 = exp(p[.., .., 2] / S(5f)) * s0 / S(2f);
            var add0 = (p[.., .., 0] / S(10f) * s0).add(c0, One);
            var div1 = exp(p[.., .., 3] / S(5f)) * s1 / S(2f);
            var add1 = (p[.., .., 1] / S(10f) * s1).add(c1, One);
            return stack([add0 - div0, add1 - div1, add0.add(div0, One), add1.add(div1, One)], 2).MoveToOuterDisposeScope();
        }
    }
}
