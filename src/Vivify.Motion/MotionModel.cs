using TorchSharp;
using Vivify.Torch.Checkpoints;
using static TorchSharp.torch;

namespace Vivify.Motion;

/// <summary>
/// A First Order Motion Model ready for inference: the published YAML config, and the keypoint detector and generator
/// holding a checkpoint's weights (eval mode, on the chosen device). The one loader of inference (animation and the
/// reconstruction evaluation): only the <c>generator</c> and <c>kp_detector</c> sections are read (a published
/// vox-adv-cpk.pth.tar is mostly discriminator and optimizer state), straight into models built on the meta device, so
/// nothing is initialised at random or copied. Any checkpoint container: torch.save zip, the legacy format, safetensors.
/// </summary>
public sealed class MotionModel : IDisposable
{
    private MotionModel(FommConfig config, KeypointDetector kp, OcclusionAwareGenerator generator, Device device, string checkpointPath)
    {
        Config = config;
        KeypointDetector = kp;
        Generator = generator;
        Device = device;
        CheckpointPath = checkpointPath;
    }

    public FommConfig Config { get; }
    public KeypointDetector KeypointDetector { get; }
    public OcclusionAwareGenerator Generator { get; }
    public Device Device { get; }
    public string CheckpointPath { get; }

    /// <summary>Frame height and width from dataset_params.frame_shape ([H, W, C], 256×256 by default).</summary>
    public (int Height, int Width) FrameSize => FrameSizeOf(Config, "config");

    /// <summary>The frame size a config asks for; a <see cref="ConfigurationException"/> when it is not a usable one.</summary>
    public static (int Height, int Width) FrameSizeOf(FommConfig config, string source)
    {
        var shape = config.dataset_params.frame_shape;
        if (shape.Count < 2 || shape[0] < 8 || shape[1] < 8 || shape[0] > 4096 || shape[1] > 4096)
            throw new ConfigurationException(source, $"{source}: dataset_params.frame_shape [{string.Join(", ", shape)}] is not [height, width, 3] with sides 8 to 4096; fix the config",
                key: "dataset_params.frame_shape");
        return (shape[0], shape[1]);
    }

    /// <summary>
    /// Reads the config and the checkpoint at the same time (parsing YAML is mostly JIT compilation, reading the
    /// checkpoint mostly copying); a bad config is reported before a bad checkpoint. Errors are one line naming the
    /// file and the fix: <see cref="InvalidInputException"/> (missing or unreadable file), <see cref="ConfigurationException"/>,
    /// <see cref="ModelMismatchException"/> (a checkpoint of another config or model), or the checkpoint reader's
    /// format errors.
    /// </summary>
    /// <param name="device">"cpu", "cuda" or "cuda:N".</param>
    /// <param name="rgb">Require num_channels 3 (pictures and videos); false for other data.</param>
    public static MotionModel Load(string configPath, string checkpointPath, string device = "cpu", bool rgb = true)
    {
        var configRead = Task.Run(() => Checked(FommConfig.Load(configPath), configPath, rgb));
        object? checkpoint;
        try { checkpoint = ReadCheckpoint(checkpointPath); }
        catch
        {
            ThrowFirstFault(configRead);
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
            return new MotionModel(config, kp, generator, dev, checkpointPath);
        }
        catch
        {
            kp.Dispose();
            generator.Dispose();
            throw;
        }
    }

    /// <summary>The inference sections of any checkpoint container (safetensors is read whole: it has no sections).</summary>
    private static object? ReadCheckpoint(string path)
    {
        if (Directory.Exists(path)) throw new InvalidInputException(path, $"checkpoint {path} is a directory, not a file; give the checkpoint file");
        if (!File.Exists(path)) throw new InvalidInputException(path, $"checkpoint {path} not found: check the path");
        return CheckpointIO.Load(path, new TorchLoadOptions { Sections = FommCheckpoint.InferenceSections, ConvWeightsChannelsLast = true });
    }

    private static FommConfig Checked(FommConfig config, string configPath, bool rgb)
    {
        FrameSizeOf(config, configPath);
        if (rgb && config.model_params.common_params.num_channels != 3)
            throw new ConfigurationException(configPath, $"{configPath}: num_channels is {config.model_params.common_params.num_channels}; animation works on RGB pictures (num_channels: 3)",
                key: "model_params.common_params.num_channels");
        return config;
    }

    /// <summary>Rethrows the error of <paramref name="earlier"/> (checked first in a sequential order), if any.</summary>
    private static void ThrowFirstFault(Task earlier)
    {
        try { earlier.Wait(); } catch (AggregateException) { }
        if (earlier.IsFaulted) earlier.GetAwaiter().GetResult();
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

    public void Dispose()
    {
        KeypointDetector.Dispose();
        Generator.Dispose();
    }
}
