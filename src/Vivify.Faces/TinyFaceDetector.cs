using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Faces;

/// <summary>
/// face-api's TinyFaceDetector (a Tiny-YOLOv2 with separable convolutions): the picture padded to a square (after),
/// resized to <c>inputSize</c> (a multiple of 32; 416 by default), minus the mean RGB (117.001, 114.697, 97.404), / 255;
/// <c>conv0</c> (3×3, valid) and separable <c>conv1</c> … <c>conv5</c>, each followed by a leaky ReLU (0.1) and a
/// 2×2 max pool ('same'; stride 1 after conv5), then <c>conv8</c> (1×1) to 5 anchors × (x, y, w, h, score) per cell;
/// YOLO box decoding and face-api's NMS (IoU 0.4). Weights: <c>tiny_face_detector_model-weights_manifest.json</c>.
/// </summary>
public sealed class TinyFaceDetector : nn.Module<Tensor, Tensor>
{
    public const string ModelName = "tiny_face_detector_model";
    public const double IouThreshold = 0.4;
    public static readonly float[] MeanRgb = [117.001f, 114.697f, 97.404f];
    private static readonly (double X, double Y)[] Anchors =
        [(1.603231, 2.094468), (6.041143, 7.080126), (2.882459, 3.518061), (4.266906, 5.178857), (9.041765, 10.66308)];

    public TfConv2d conv0;
    public TfSeparableConv2d conv1, conv2, conv3, conv4, conv5;
    public TfConv2d conv8;

    public TinyFaceDetector() : base(nameof(TinyFaceDetector))
    {
        conv0 = new TfConv2d(3, 16, 3, samePadding: false);
        conv1 = new TfSeparableConv2d(16, 32);
        conv2 = new TfSeparableConv2d(32, 64);
        conv3 = new TfSeparableConv2d(64, 128);
        conv4 = new TfSeparableConv2d(128, 256);
        conv5 = new TfSeparableConv2d(256, 512);
        conv8 = new TfConv2d(512, Anchors.Length * 5, 1, samePadding: false);
        RegisterComponents();
    }

    /// <summary>The detector with the weights of <paramref name="modelDir"/>/tiny_face_detector_model-weights_manifest.json, in eval mode.</summary>
    public static TinyFaceDetector Load(string modelDir)
    {
        var net = new TinyFaceDetector();
        TfjsLoader.Load(net, Path.Combine(modelDir, ModelName + "-weights_manifest.json"));
        net.eval();
        return net;
    }

    /// <summary>The raw output [N,25,S/32,S/32] for the normalised batch [N,3,S,S].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var @out = MaxPoolSame(Leaky(conv0.forward(x)), 2);
        @out = MaxPoolSame(Leaky(conv1.forward(@out)), 2);
        @out = MaxPoolSame(Leaky(conv2.forward(@out)), 2);
        @out = MaxPoolSame(Leaky(conv3.forward(@out)), 2);
        @out = MaxPoolSame(Leaky(conv4.forward(@out)), 2);
        @out = MaxPoolSame(Leaky(conv5.forward(@out)), 1);
        return conv8.forward(@out).MoveToOuterDisposeScope();
    }

    /// <summary>face-api's <c>leaky</c>: <c>relu(x − 0.1x) + 0.1x</c>.</summary>
    private static Tensor Leaky(Tensor x)
    {
        var min = x * S(0.1f);
        return nn.functional.relu(x - min).add(min, One);
    }

    /// <summary><c>tf.maxPool(x, [2, 2], stride, 'same')</c>: padding (after) never wins the maximum.</summary>
    private static Tensor MaxPoolSame(Tensor x, long stride)
    {
        var (top, bottom) = TfSamePadding.Of(x.shape[2], 2, stride);
        var (left, right) = TfSamePadding.Of(x.shape[3], 2, stride);
        var padded = nn.functional.pad(x, [left, right, top, bottom], PaddingModes.Constant, double.NegativeInfinity);
        return nn.functional.max_pool2d(padded, [2, 2], strides: [stride, stride]);
    }

    /// <summary>face-api's <c>locateFaces</c> with <c>TinyFaceDetectorOptions</c>: the faces in <paramref name="image"/>
    /// ([3,H,W] RGB in [0,1]) scoring above <paramref name="scoreThreshold"/>, best first, as boxes in its pixels.</summary>
    public List<FaceDetection> LocateFaces(Tensor image, int inputSize = 416, double scoreThreshold = 0.5)
    {
        if (image.dim() != 3 || image.shape[0] != 3 || image.shape[1] < 1 || image.shape[2] < 1)
            throw new VivifyException($"face detection: expected an RGB picture [3,H,W], got [{string.Join(",", image.shape)}]");
        if (inputSize <= 0 || inputSize % 32 != 0)
            throw new InvalidOptionException("inputSize", $"tiny face detector: the input size must be a positive multiple of 32, got {inputSize}");
        long height = image.shape[1], width = image.shape[2];
        float[] raw;
        long cells;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var pixels = image.to_type(ScalarType.Float32) * S(255f);
            var square = TfImage.PadToSquare(pixels, centred: false, out _);
            var resized = square.shape[1] == inputSize ? square : TfImage.ResizeBilinear(square, inputSize, inputSize);
            var x = ((resized - tensor(MeanRgb).view(3, 1, 1)) / S(255f)).unsqueeze(0);
            var @out = forward(x)[0];
            cells = @out.shape[1];
            raw = @out.permute(1, 2, 0).contiguous().data<float>().ToArray();   // NHWC: [row, col, anchor * 5 + k]
        }
        // face-api's extractBoxes: the reshaped (rounded) picture inside the padded square.
        var scale = (double)inputSize / Math.Max(width, height);
        double reshapedW = Math.Round(width * scale, MidpointRounding.AwayFromZero), reshapedH = Math.Round(height * scale, MidpointRounding.AwayFromZero);
        var blob = Math.Max(reshapedW, reshapedH);
        double fx = blob / reshapedW, fy = blob / reshapedH;
        var boxes = new List<(double Score, double X, double Y, double W, double H)>();
        for (var row = 0; row < cells; row++)
            for (var col = 0; col < cells; col++)
                for (var a = 0; a < Anchors.Length; a++)
                {
                    var o = (int)((row * cells + col) * Anchors.Length * 5 + a * 5);
                    var score = Sigmoid(raw[o + 4]);
                    if (score <= scoreThreshold) continue;
                    var ctX = (col + Sigmoid(raw[o])) / cells * fx;
                    var ctY = (row + Sigmoid(raw[o + 1])) / cells * fy;
                    var w = Math.Exp(raw[o + 2]) * Anchors[a].X / cells * fx;
                    var h = Math.Exp(raw[o + 3]) * Anchors[a].Y / cells * fy;
                    boxes.Add((score, ctX - w / 2, ctY - h / 2, w, h));
                }
        var picked = Nms(boxes, inputSize);
        return picked.Select(i => new FaceDetection(boxes[i].Score, boxes[i].X * width, boxes[i].Y * height, boxes[i].W * width, boxes[i].H * height)).ToList();
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>face-api's <c>ops/nonMaxSuppression</c> on the boxes scaled by the input size: take the best, drop the
    /// rest that overlap it by IoU above 0.4, repeat. Equal scores: the later box first (a stable ascending sort, popped).</summary>
    private static List<int> Nms(List<(double Score, double X, double Y, double W, double H)> boxes, int inputSize)
    {
        var order = Enumerable.Range(0, boxes.Count).OrderBy(i => boxes[i].Score).ToList();
        var pick = new List<int>();
        while (order.Count > 0)
        {
            var curr = order[^1];
            order.RemoveAt(order.Count - 1);
            pick.Add(curr);
            order = order.Where(i => IoU(boxes[curr], boxes[i], inputSize) <= IouThreshold).ToList();
        }
        return pick;
    }

    private static double IoU((double Score, double X, double Y, double W, double H) a, (double Score, double X, double Y, double W, double H) b, int s)
    {
        double al = a.X * s, at = a.Y * s, aw = a.W * s, ah = a.H * s, bl = b.X * s, bt = b.Y * s, bw = b.W * s, bh = b.H * s;
        var w = Math.Max(0.0, Math.Min(al + aw, bl + bw) - Math.Max(al, bl));
        var h = Math.Max(0.0, Math.Min(at + ah, bt + bh) - Math.Max(at, bt));
        var inter = w * h;
        return inter / (aw * ah + bw * bh - inter);
    }
}
