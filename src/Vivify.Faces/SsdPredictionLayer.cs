using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// face-api's SSD <c>predictionLayer</c>: eight pointwise layers <c>conv_0</c> … <c>conv_7</c> (1×1, then 3×3 stride 2,
/// alternating) after the backbone, and six box predictors <c>box_predictor_0</c> … <c>_5</c> on backbone pair 11, the
/// backbone output and conv_1, 3, 5, 7: 3 anchors per cell on the first, 6 on the others, 5118 in all at 512×512.
/// Returns box encodings [N,5118,4] and class logits [N,5118,3] in TensorFlow's (row, column, anchor) order.
/// </summary>
public sealed class SsdPredictionLayer : nn.Module<Tensor, Tensor, (Tensor Boxes, Tensor Classes)>
{
    private static readonly (long In, long Out, long Kernel, long Stride)[] Convs =
        [(1024, 256, 1, 1), (256, 512, 3, 2), (512, 128, 1, 1), (128, 256, 3, 2), (256, 128, 1, 1), (128, 256, 3, 2), (256, 64, 1, 1), (64, 128, 3, 2)];
    private static readonly (long Channels, long Anchors)[] Predictors = [(512, 3), (1024, 6), (512, 6), (256, 6), (256, 6), (128, 6)];

    private readonly List<PointwiseConvLayer> _convs = [];
    private readonly List<BoxPredictor> _predictors = [];

    public SsdPredictionLayer() : base(nameof(SsdPredictionLayer))
    {
        for (var i = 0; i < Convs.Length; i++)
        {
            var (cin, cout, k, s) = Convs[i];
            _convs.Add(new PointwiseConvLayer(cin, cout, k, s));
            register_module($"conv_{i}", _convs[i]);
        }
        for (var i = 0; i < Predictors.Length; i++)
        {
            _predictors.Add(new BoxPredictor(Predictors[i].Channels, Predictors[i].Anchors));
            register_module($"box_predictor_{i}", _predictors[i]);
        }
    }

    public override (Tensor Boxes, Tensor Classes) forward(Tensor x, Tensor conv11)
    {
        using var scope = NewDisposeScope();
        var outs = new List<Tensor>();
        var @out = x;
        foreach (var conv in _convs)
        {
            @out = conv.forward(@out);
            outs.Add(@out);
        }
        Tensor[] sources = [conv11, x, outs[1], outs[3], outs[5], outs[7]];
        var predictions = sources.Select((s, i) => _predictors[i].forward(s)).ToList();
        var boxes = cat(predictions.Select(p => p.Boxes).ToList(), 1);
        var classes = cat(predictions.Select(p => p.Classes).ToList(), 1);
        return (boxes.MoveToOuterDisposeScope(), classes.MoveToOuterDisposeScope());
    }

    /// <summary>face-api's <c>boxPredictionLayer</c>: 1×1 convs <c>box_encoding_predictor</c> (4 per anchor) and
    /// <c>class_predictor</c> (3 per anchor), reshaped in NHWC order to [N, cells·anchors, 4] and [N, cells·anchors, 3].</summary>
    public sealed class BoxPredictor : nn.Module<Tensor, (Tensor Boxes, Tensor Classes)>
    {
        public TfConv2d box_encoding_predictor;
        public TfConv2d class_predictor;

        public BoxPredictor(long channels, long anchors) : base(nameof(BoxPredictor))
        {
            box_encoding_predictor = new TfConv2d(channels, anchors * 4, 1);
            class_predictor = new TfConv2d(channels, anchors * 3, 1);
            RegisterComponents();
        }

        public override (Tensor Boxes, Tensor Classes) forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var n = x.shape[0];
            var boxes = box_encoding_predictor.forward(x).permute(0, 2, 3, 1).reshape(n, -1, 4);
            var classes = class_predictor.forward(x).permute(0, 2, 3, 1).reshape(n, -1, 3);
            return (boxes.MoveToOuterDisposeScope(), classes.MoveToOuterDisposeScope());
        }
    }
}
