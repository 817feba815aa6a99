using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// face-api's FaceLandmark68NetBase: a feature extractor of dense blocks (each halving the 112×112 input), an average
/// pool, and a fully-connected layer to 136 outputs, the 68 (x,y) positions relative to the padded 112×112 input.
/// Input: the normalised batch of <see cref="FaceLandmarks.Preprocess"/>. <see cref="FaceLandmark68Net"/> and
/// <see cref="FaceLandmark68TinyNet"/> differ only in their extractor and pool.
/// </summary>
public abstract class FaceLandmark68NetBase : nn.Module<Tensor, Tensor>
{
    private readonly int _pool;

    protected FaceLandmark68NetBase(string name, int pool) : base(name) => _pool = pool;

    /// <summary>The extractor's dense blocks in order.</summary>
    protected abstract IReadOnlyList<DenseBlock> Extractor { get; }

    /// <summary>The fully-connected layer to the 136 outputs.</summary>
    protected abstract TfFullyConnected Head { get; }

    /// <summary>Gives <paramref name="net"/> the weights of <paramref name="modelDir"/>/<paramref name="modelName"/>-weights_manifest.json, in eval mode.</summary>
    protected static T Load<T>(T net, string modelDir, string modelName) where T : FaceLandmark68NetBase
    {
        try
        {
            TfjsLoader.Load(net, Path.Combine(modelDir, modelName + "-weights_manifest.json"));
            net.eval();
            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var @out = x;
        foreach (var block in Extractor) @out = block.forward(@out);
        @out = nn.functional.avg_pool2d(@out, [_pool, _pool], stride: [2, 2]);
        return Head.forward(@out.reshape(@out.shape[0], -1)).MoveToOuterDisposeScope();
    }
}
