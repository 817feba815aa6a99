using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>face-api's <c>fullyConnectedLayer</c>: <c>tf.add(tf.matMul(x, weights), bias)</c>. State-dict keys are the
/// tfjs names; <c>weights</c> is held as [out,in] (PyTorch's Linear layout; tfjs stores [in,out]).</summary>
public sealed class TfFullyConnected : nn.Module<Tensor, Tensor>
{
    public Parameter weights;
    public Parameter bias;

    public TfFullyConnected(long inFeatures, long outFeatures) : base(nameof(TfFullyConnected))
    {
        weights = nn.Parameter(zeros(outFeatures, inFeatures));
        bias = nn.Parameter(zeros(outFeatures));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.linear(x, weights, bias);
}
