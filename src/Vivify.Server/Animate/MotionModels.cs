using Vivify.Motion;
using Vivify.Torch.Checkpoints;
using static TorchSharp.torch;

namespace Vivify.Server.Animate;

/// <summary>A model ready for animation: its transfer (batch norms folded, at one precision) and frame size.</summary>
internal sealed class LoadedMotionModel(KeypointDetector kp, OcclusionAwareGenerator generator, MotionTransfer transfer, int height, int width) : IDisposable
{
    public MotionTransfer Transfer { get; } = transfer;
    public int Height { get; } = height;
    public int Width { get; } = width;

    public void Dispose()
    {
        kp.Dispose();
        generator.Dispose();
    }
}

/// <summary>
/// Models loaded once and kept: by name and precision, reloaded when the checkpoint or config file changes, the least
/// recently used dropped (and its memory freed) past the capacity. Used from the job worker's thread only.
/// </summary>
internal sealed class MotionModels(int capacity) : IDisposable
{
    private readonly LinkedList<(string Key, DateTime Stamp, LoadedMotionModel Model)> _loaded = new();

    public int Count => _loaded.Count;

    public LoadedMotionModel Get(ModelEntry entry, bool bf16)
    {
        var key = $"{entry.Name}\n{(bf16 ? "bf16" : "fp32")}";
        var stamp = new[] { File.GetLastWriteTimeUtc(entry.Checkpoint), File.GetLastWriteTimeUtc(entry.Config) }.Max();
        for (var node = _loaded.First; node is not null; node = node.Next)
        {
            if (node.Value.Key != key) continue;
            _loaded.Remove(node);
            if (node.Value.Stamp == stamp)
            {
                _loaded.AddFirst(node);
                return node.Value.Model;
            }
            node.Value.Model.Dispose();
            break;
        }
        while (_loaded.Count >= Math.Max(1, capacity))
        {
            _loaded.Last!.Value.Model.Dispose();
            _loaded.RemoveLast();
        }
        var model = Load(entry, bf16 ? ScalarType.BFloat16 : ScalarType.Float32);
        _loaded.AddFirst((key, stamp, model));
        return model;
    }

    /// <summary>Config and checkpoint through the library's readers; only the inference sections are read.</summary>
    private static LoadedMotionModel Load(ModelEntry entry, ScalarType precision)
    {
        var config = FommConfig.Load(entry.Config);
        var shape = config.dataset_params.frame_shape;
        if (shape.Count < 2 || shape[0] < 8 || shape[1] < 8 || shape[0] > 4096 || shape[1] > 4096 || config.model_params.common_params.num_channels != 3)
            throw new VivifyException($"{entry.Config}: not an RGB model config with dataset_params.frame_shape [height, width, 3]; fix the config");
        var checkpoint = CheckpointIO.Load(entry.Checkpoint, new TorchLoadOptions { Sections = FommCheckpoint.InferenceSections });
        KeypointDetector kp;
        OcclusionAwareGenerator generator;
        try { (kp, generator) = FommCheckpoint.ForInference(config.model_params, checkpoint, entry.Checkpoint); }
        finally { DisposeTensors(checkpoint); }
        try
        {
            var transfer = new MotionTransfer(kp, generator, foldBatchNorm: true, precision: precision, inferenceOnly: true);
            return new LoadedMotionModel(kp, generator, transfer, shape[0], shape[1]);
        }
        catch
        {
            kp.Dispose();
            generator.Dispose();
            throw;
        }
    }

    private static void DisposeTensors(object? node)
    {
        switch (node)
        {
            case Tensor t: t.Dispose(); break;
            case PyDict d: foreach (var v in d.Values) DisposeTensors(v); break;
            case IEnumerable<object?> list: foreach (var v in list) DisposeTensors(v); break;
        }
    }

    public void Dispose()
    {
        foreach (var (_, _, model) in _loaded) model.Dispose();
        _loaded.Clear();
    }
}
