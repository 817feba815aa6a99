using TorchSharp;
using Vivify.Torch.StateDicts;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// Loads a TensorFlow.js manifest into a module whose state-dict keys are the tfjs weight names with '/' replaced by
/// '.' (<c>dense0/conv1/depthwise_filter</c> → <c>dense0.conv1.depthwise_filter</c>), moving each tensor from
/// TensorFlow's layout into PyTorch's: conv <c>filters</c> and <c>pointwise_filter</c> HWIO → OIHW,
/// <c>depthwise_filter</c> [k,k,C,M] → [C·M,1,k,k], fully-connected <c>weights</c> [in,out] → [out,in]; other
/// weights as they are. Strict: a missing, unexpected or misshapen weight is a one-line error naming the manifest.
/// </summary>
public static class TfjsLoader
{
    public static void Load(nn.Module module, string manifestPath)
    {
        var weights = TfjsWeights.Read(manifestPath);
        var converted = new List<KeyValuePair<string, Tensor>>(weights.Count);
        try
        {
            foreach (var (name, w) in weights)
                converted.Add(new(name.Replace('/', '.'), ToTorchLayout(name, w)));
            StateDict.Load(module, converted, strict: true, source: manifestPath);
        }
        finally
        {
            foreach (var (_, t) in converted) t.Dispose();
        }
    }

    /// <summary>The weight as a tensor in PyTorch's layout (see the class remarks); the caller disposes it.</summary>
    public static Tensor ToTorchLayout(string name, TfjsWeight w)
    {
        using var t = w.ToTensor();
        var leaf = name[(name.LastIndexOf('/') + 1)..];
        return (leaf, w.Shape.Length) switch
        {
            ("filters" or "pointwise_filter", 4) => t.permute(3, 2, 0, 1).contiguous(),
            ("depthwise_filter", 4) => t.permute(2, 3, 0, 1).reshape(w.Shape[2] * w.Shape[3], 1, w.Shape[0], w.Shape[1]).contiguous(),
            ("weights", 2) => t.t().contiguous(),
            _ => t.clone(),
        };
    }
}
