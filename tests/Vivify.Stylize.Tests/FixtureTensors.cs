using Vivify.Torch.Modules;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.StateDicts;
using static TorchSharp.torch;

namespace Vivify.Stylize.Tests;

/// <summary>Fixture tensors read with Vivify's checkpoint reader, nested dicts flattened to dotted keys ("losses.image").</summary>
internal static class FixtureTensors
{
    private static readonly Dictionary<string, Dictionary<string, Tensor>> Cache = new();

    public static Dictionary<string, Tensor> Load(params string[] fixture)
    {
        var path = Fixtures.Path(fixture);
        lock (Cache)
        {
            if (Cache.TryGetValue(path, out var hit)) return hit;
            var result = new Dictionary<string, Tensor>();
            Flatten("", TorchFile.Load(path), result);
            Cache[path] = result;
            return result;
        }
    }

    /// <summary>Strictly loads the entries under <paramref name="prefix"/> into the module (Vivify.Torch.StateDicts).</summary>
    public static void LoadInto(TorchSharp.torch.nn.Module module, Dictionary<string, Tensor> all, string prefix) =>
        StateDict.Load(module, all.Where(kv => kv.Key.StartsWith(prefix + ".", StringComparison.Ordinal))
            .Select(kv => new KeyValuePair<string, Tensor>(kv.Key[(prefix.Length + 1)..], kv.Value)), strict: true, source: prefix);

    private static void Flatten(string prefix, object? value, Dictionary<string, Tensor> into)
    {
        switch (value)
        {
            case PyDict dict:
                foreach (var (k, v) in dict) Flatten(prefix + k + ".", v, into);
                break;
            case Tensor t:
                into[prefix.TrimEnd('.')] = t;
                break;
        }
    }

    /// <summary>VGG19 features with the fixtures' formula weights in their first <paramref name="convolutions"/> convolutions.</summary>
    public static Vgg19Features FormulaVgg19(int convolutions = 16)
    {
        var vgg = new Vgg19Features();
        Vivify.TestSupport.FormulaVgg19.Fill(vgg.Convolutions, convolutions);
        return vgg;
    }
}
