using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

/// <summary>The fomm fixtures, read with Vivify's checkpoint reader.</summary>
internal static class FixtureData
{
    /// <summary>fomm/animate-case.pt with nested dict keys joined by '.' (e.g. "kp_norm.relative_adapt.value").</summary>
    public static Dictionary<string, Tensor> Case() => Load("animate-case.pt");

    /// <summary>fomm/train-case.pt (one training step) flattened the same way (e.g. "grads.generator.final.weight").</summary>
    public static Dictionary<string, Tensor> TrainCase() => Load("train-case.pt");

    private static Dictionary<string, Tensor> Load(string name)
    {
        var result = new Dictionary<string, Tensor>();
        Flatten(name, "", TorchFile.Load(Fixtures.Path("fomm", name)), result);
        return result;
    }

    public static object? Checkpoint(string path) => TorchFile.Load(path);

    private static void Flatten(string file, string prefix, object? value, Dictionary<string, Tensor> into)
    {
        switch (value)
        {
            case PyDict d:
                foreach (var (k, v) in d) Flatten(file, prefix.Length == 0 ? k.ToString()! : prefix + "." + k, v, into);
                break;
            case Tensor t:
                into[prefix] = t;
                break;
            default:
                throw new InvalidDataException($"{file}: unexpected {value?.GetType().Name ?? "None"} at '{prefix}'");
        }
    }
}
