using TorchSharp;
using Vivify.Torch.StateDicts;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// Loads a TensorFlow.js manifest into a module. State-dict keys are face-api's parameter paths with '/' replaced by
/// '.' (<c>dense0/conv1/depthwise_filter</c> → <c>dense0.conv1.depthwise_filter</c>); where the manifest keeps the
/// original TensorFlow names (SSD MobileNet v1), a rename gives face-api's path for each, or null for a weight face-api
/// does not use (graph constants). Each tensor moves from TensorFlow's layout into PyTorch's, by its manifest name:
/// conv kernels (<c>filters</c>, <c>pointwise_filter</c>, rank-4 <c>weights</c>) HWIO → OIHW, depthwise kernels
/// (<c>depthwise_filter</c>, <c>depthwise_weights</c>) [k,k,C,M] → [C·M,1,k,k], rank-2 <c>weights</c> [in,out] →
/// [out,in]; others as they are. Strict: a missing, unexpected or misshapen weight is a one-line error naming the manifest.
/// </summary>
public static class TfjsLoader
{
    public static void Load(nn.Module module, string manifestPath, Func<string, string?>? rename = null)
    {
        var weights = TfjsWeights.Read(manifestPath);
        var converted = new List<KeyValuePair<string, Tensor>>(weights.Count);
        try
        {
            foreach (var (name, w) in weights)
            {
                var path = rename is null ? name : rename(name);
                if (path is null) continue;
                converted.Add(new(path.Replace('/', '.'), ToTorchLayout(name, w)));
            }
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
            ("depthwise_filter" or "depthwise_weights", 4) => t.permute(2, 3, 0, 1).reshape(w.Shape[2] * w.Shape[3], 1, w.Shape[0], w.Shape[1]).contiguous(),
            ("filters" or "pointwise_filter" or "weights", 4) => t.permute(3, 2, 0, 1).contiguous(),
            ("weights", 2) => t.t().contiguous(),
            _ => t.clone(),
        };
    }
}
