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

    /// <summary>
    /// tests/references/fomm/train-step-float64.pt: the same step taken by the published code in float64 (losses,
    /// prediction, transformed_frame, grads), flattened the same way.
    /// </summary>
    public static Dictionary<string, Tensor> ExactTrainStep() => LoadFile(Fixtures.Reference("fomm", "train-step-float64.pt"));

    private static Dictionary<string, Tensor> Load(string name) => LoadFile(Fixtures.Path("fomm", name));

    private static Dictionary<string, Tensor> LoadFile(string path)
    {
        var result = new Dictionary<string, Tensor>();
        Flatten(Path.GetFileName(path), "", TorchFile.Load(path), result);
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
