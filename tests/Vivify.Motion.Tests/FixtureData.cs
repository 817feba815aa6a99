using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

/// <summary>The fomm fixtures, read with Vivify's checkpoint reader.</summary>
internal static class FixtureData
{
    /// <summary>fomm/animate-case.pt with nested dict keys joined by '.' (e.g. "kp_norm.relative_adapt.value").</summary>
    public static Dictionary<string, Tensor> Case()
    {
        var result = new Dictionary<string, Tensor>();
        Flatten("", TorchFile.Load(Fixtures.Path("fomm", "animate-case.pt")), result);
        return result;
    }

    public static object? Checkpoint(string path) => TorchFile.Load(path);

    private static void Flatten(string prefix, object? value, Dictionary<string, Tensor> into)
    {
        switch (value)
        {
            case PyDict d:
                foreach (var (k, v) in d) Flatten(prefix.Length == 0 ? k.ToString()! : prefix + "." + k, v, into);
                break;
            case Tensor t:
                into[prefix] = t;
                break;
            default:
                throw new InvalidDataException($"animate-case.pt: unexpected {value?.GetType().Name ?? "None"} at '{prefix}'");
        }
    }
}
