using Vivify.Torch.Checkpoints;
using Vivify.Torch.Modules;
using Vivify.Torch.StateDicts;
using static TorchSharp.torch;

namespace Vivify.Stylize;

/// <summary>
/// Reads stylization models: a generator saved by the published tool as a whole pickled module
/// (<c>torch.save(generator)</c>, read as data, nothing run), a generator state dict (plain, or under a "generator"
/// key). torchvision's VGG19 weights are read by <see cref="Vgg19Features.Load"/>.
/// </summary>
public static class StylizeCheckpoints
{
    /// <summary>The classes a published model file may hold besides torch.nn's layers.</summary>
    public static readonly string[] PublishedClasses = ["models.GeneratorJ", "models.UpsamplingLayer"];

    /// <summary>Loads a generator; its architecture (blocks, filters, bias, smoothers, tanh, channels) is read from the weights.</summary>
    public static GeneratorJ LoadGenerator(string path)
    {
        var state = GeneratorStateDict(path);
        var generator = new GeneratorJ(InferGeneratorConfig(state, path));
        StateDict.Load(generator, state, strict: true, source: path);
        return generator;
    }

    /// <summary>The generator's state dict from any of the accepted layouts.</summary>
    public static PyDict GeneratorStateDict(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, $"{path}: model file not found: give the path of a trained model");
        var root = CheckpointIO.Load(path, TorchLoadOptions.PickledModules(PublishedClasses));
        switch (root)
        {
            case PyObject { FullName: "models.GeneratorJ" } module:
                return ModuleState.FromPickledModule(module);
            case PyObject other:
                throw new InvalidInputException(path, $"{path}: holds a pickled {other.FullName}, not a GeneratorJ: give a stylization model");
            case PyDict dict when dict.TryGetValue("generator", out var inner) && inner is PyDict g:
                return g;
            case PyDict dict when dict.Count > 0 && dict.Values.All(v => v is Tensor):
                return dict;
            default:
                throw new InvalidInputException(path, $"{path}: not a stylization model (expected a pickled GeneratorJ or a generator state dict)");
        }
    }

    /// <summary>The input channels of the generator in a model file: 3 (frame) or 6 (frame + guide).</summary>
    public static int InputChannels(string path) => InferGeneratorConfig(GeneratorStateDict(path), path).InputChannels;

    /// <summary>GeneratorJ's constructor arguments as the shapes in a state dict imply them.</summary>
    public static GeneratorConfig InferGeneratorConfig(PyDict state, string source = "FILE")
    {
        long[] Shape(string key) => state.TryGetValue(key, out var v) && v is Tensor t
            ? t.shape
            : throw new ModelMismatchException($"{source}: '{key}' is missing: not a GeneratorJ state dict", source);
        var f2 = Shape("conv2.conv.weight")[0];
        var up2 = Shape("upconv2.1.weight");
        var blocks = 0;
        while (state.ContainsKey($"resnets.{blocks}.conv_0.weight")) blocks++;
        return new GeneratorConfig
        {
            InputChannels = (int)Shape("conv0.conv.weight")[1],
            UseBias = state.ContainsKey("conv0.conv.bias"),
            ResnetBlocks = blocks,
            AppendSmoothers = state.ContainsKey("conv_11_a.0.weight"),
            Tanh = state.ContainsKey("conv_12.0.weight"),
            Filters =
            [
                (int)Shape("conv0.conv.weight")[0], (int)Shape("conv1.conv.weight")[0], (int)f2,
                (int)(up2[1] - f2), (int)up2[0], (int)Shape("conv_11.0.weight")[0],
            ],
        };
    }
}
