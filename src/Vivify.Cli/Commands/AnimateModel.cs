using TorchSharp;
using Vivify.Motion;
using Vivify.Torch.Checkpoints;
using static TorchSharp.torch;

namespace Vivify.Cli.Commands;

/// <summary>
/// The models of `vivify animate`: built from a published YAML config, loaded strictly from a
/// published-layout checkpoint ({generator, kp_detector, …}), in eval mode, batch norms folded, at the
/// chosen precision and device.
/// </summary>
internal sealed class AnimateModel : IDisposable
{
    private readonly KeypointDetector _kp;
    private readonly OcclusionAwareGenerator _generator;

    private AnimateModel(FommConfig config, KeypointDetector kp, OcclusionAwareGenerator generator, MotionTransfer transfer, Device device)
    {
        Config = config; _kp = kp; _generator = generator; Transfer = transfer; Device = device;
    }

    public FommConfig Config { get; }
    public MotionTransfer Transfer { get; }
    public Device Device { get; }

    /// <summary>Frame height and width from dataset_params.frame_shape ([H, W, C], 256×256 by default).</summary>
    public (int Height, int Width) FrameSize => FrameSizeOf(Config, "config");

    public static (int Height, int Width) FrameSizeOf(FommConfig config, string source)
    {
        var shape = config.dataset_params.frame_shape;
        if (shape.Count < 2 || shape[0] < 8 || shape[1] < 8 || shape[0] > 4096 || shape[1] > 4096)
            throw new VivifyException($"{source}: dataset_params.frame_shape [{string.Join(", ", shape)}] is not [height, width, 3] with sides 8 to 4096; fix the config");
        return (shape[0], shape[1]);
    }

    /// <summary>
    /// Reads the config and the checkpoint, at the same time (parsing YAML is mostly JIT compilation, reading the
    /// checkpoint mostly copying); a bad config is reported before a bad checkpoint. One-line errors name the file
    /// and the fix.
    /// </summary>
    public static AnimateModel Load(string configPath, string checkpointPath, ScalarType precision, string device)
    {
        var configRead = Task.Run(() => Checked(FommConfig.Load(configPath), configPath));
        object? checkpoint;
        // Only the generator and keypoint detector are read (a published vox-adv-cpk.pth.tar is mostly
        // discriminator and optimizer state), straight into the models' weights.
        try { checkpoint = CheckpointIO.Load(checkpointPath, new TorchLoadOptions { Sections = FommCheckpoint.InferenceSections }); }
        catch
        {
            InputTasks.ThrowFirstFault(configRead);
            throw;
        }
        FommConfig config;
        try { config = configRead.GetAwaiter().GetResult(); }
        catch
        {
            DisposeTensors(checkpoint);
            throw;
        }
        KeypointDetector kp;
        OcclusionAwareGenerator generator;
        try { (kp, generator) = FommCheckpoint.ForInference(config.model_params, checkpoint, checkpointPath); }
        finally { DisposeTensors(checkpoint); } // the models hold their own references: folding can free each block's weights
        try
        {
            var dev = new Device(device);
            if (dev.type != DeviceType.CPU)
            {
                kp.to(dev);
                generator.to(dev);
            }
            var transfer = new MotionTransfer(kp, generator, foldBatchNorm: true, precision: precision, inferenceOnly: true);
            return new AnimateModel(config, kp, generator, transfer, dev);
        }
        catch
        {
            kp.Dispose();
            generator.Dispose();
            throw;
        }
    }

    private static FommConfig Checked(FommConfig config, string configPath)
    {
        FrameSizeOf(config, configPath);
        if (config.model_params.common_params.num_channels != 3)
            throw new VivifyException($"{configPath}: num_channels is {config.model_params.common_params.num_channels}; vivify animate works on RGB pictures (num_channels: 3)");
        return config;
    }

    /// <summary>Frees the checkpoint's references to its tensors (the models keep theirs).</summary>
    private static void DisposeTensors(object? node)
    {
        switch (node)
        {
            case Tensor t: t.Dispose(); break;
            case PyDict d: foreach (var v in d.Values) DisposeTensors(v); break;
            case IEnumerable<object?> list: foreach (var v in list) DisposeTensors(v); break;
        }
    }

    public static ScalarType ParsePrecision(string text) => text switch
    {
        "fp32" => ScalarType.Float32,
        "bf16" => ScalarType.BFloat16,
        _ => throw new UsageException($"--precision '{text}' is not one of fp32, bf16"),
    };

    public void Dispose()
    {
        _kp.Dispose();
        _generator.Dispose();
    }
}
