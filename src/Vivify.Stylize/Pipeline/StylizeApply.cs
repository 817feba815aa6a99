using System.Globalization;
using Vivify.Media;
using Vivify.Stylize.Prep;
using Vivify.Torch.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>How <see cref="StylizeApply"/> stylizes.</summary>
public sealed record StylizeApplyOptions
{
    /// <summary>The pre-filter (default: as the model was trained; temporal for a published model).</summary>
    public PreFilter? PreFilter { get; init; }

    /// <summary>Frames stylized together.</summary>
    public int Batch { get; init; } = 4;

    /// <summary>In a published NAME_gen folder: the guide images' folder for a 6-channel model.</summary>
    public string GuideDir { get; init; } = StylizePublishedLayout.DefaultGuideDir;

    /// <summary>The frame rate of a folder of frames (videos keep theirs).</summary>
    public double FolderFps { get; init; } = 25;

    /// <summary>Keep the input video's audio.</summary>
    public bool Audio { get; init; } = true;

}

/// <summary>
/// A trained stylization model (Vivify's model file or the published tool's whole-pickled-module .pth) applied to a
/// picture, a video, a folder of numbered frames or a published NAME_gen folder (taken as it is, already filtered).
/// </summary>
public sealed class StylizeApply : IDisposable
{
    private readonly GeneratorJ _generator;
    private readonly PyDict? _meta;
    private readonly Device _device;

    /// <summary>Loads the model in <paramref name="modelPath"/> onto <paramref name="device"/> (as torch names it: "cpu", "cuda:1"; default: the CPU).</summary>
    public StylizeApply(string modelPath, string? device = null)
    {
        ModelPath = modelPath;
        _generator = StylizeCheckpoints.LoadGenerator(modelPath);
        _meta = Meta(modelPath);
        _device = StylizeJob.DeviceOf(device);
        if (_device.type != DeviceType.CPU) _generator.to(_device);
    }

    public string ModelPath { get; }

    /// <summary>The generator's input channels: 3 (frame) or 6 (frame + guide).</summary>
    public int InputChannels => _generator.InputChannels;

    /// <summary>The pre-filter the model was trained with (temporal when the file does not say).</summary>
    public PreFilter TrainedPreFilter => FramePrep.Parse(_meta?.TryGetValue("prefilter", out var p) == true && p is string s ? s : "temporal");

    /// <summary>Model-space inputs [N,C,H,W] → [N,3,H,W] in [-1,1] on the CPU.</summary>
    public Tensor Stylize(Tensor x) => FullFrame.Stylize(_generator, x.to(_device)).cpu();

    /// <summary>Stylizes <paramref name="input"/> (picture, video, folder of frames, NAME_gen folder) into <paramref name="output"/> (a picture for a picture; else a video or a PNG folder).</summary>
    public void Run(string input, string output, StylizeApplyOptions? options = null, IProgressReporter? progress = null, CancellationToken cancel = default)
    {
        options ??= new StylizeApplyOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Batch, 1);
        if (!File.Exists(input) && !Directory.Exists(input)) throw new InvalidInputException(input, $"{input}: no such picture, video or folder; check the path");
        var filter = options.PreFilter ?? TrainedPreFilter;
        progress ??= NoProgress.Instance;
        if (Directory.Exists(input) && StylizePublishedLayout.IsGenFolder(input)) { GenFolder(input, output, options, progress, cancel); return; }
        if (!Directory.Exists(input) && InputPath.IsStill(input)) { Picture(input, output, filter); return; }

        var (clip, info) = StylizeInputs.LoadClip(input, cancel);
        using var _ = clip;
        GaussDisks? guide = null;
        if (InputChannels == 6)
        {
            if (_meta?.TryGetValue("keys", out var k) != true || k is not List<object?> keys || _meta["guide_masks"] is not List<object?> masks)
                throw new ModelMismatchException($"{ModelPath}: a 6-channel model without Vivify's guide settings; apply it to a published NAME_gen folder with its {StylizePublishedLayout.DefaultGuideDir}/", ModelPath);
            guide = new GaussDisks(clip, keys.Select((f, i) => ((int)(long)f!, masks[i] as Tensor)).ToList());
        }
        else if (InputChannels != 3)
            throw new ModelMismatchException($"{ModelPath}: the model takes {InputChannels} input channels; Vivify applies models of 3 (frame) or 6 (frame + guide)", ModelPath);
        var frameRate = Directory.Exists(input) ? Rational(options.FolderFps) : info.FrameRate;
        StylizeRendering.WriteVideo(new FramePrep(clip, filter, guide), Stylize, output, frameRate, null, options.Batch, progress, cancel,
            options.Audio && !Directory.Exists(input) ? input : null);
    }

    private void Picture(string input, string output, PreFilter filter)
    {
        if (InputChannels != 3) throw new ModelMismatchException($"{ModelPath}: the model takes guide channels, which need the whole video; apply it to the video", ModelPath);
        using var scope = NewDisposeScope();
        using var clip = new Clip([ImageIO.ReadFrame(input).ToByteTensor()]);
        var y = Stylize(new FramePrep(clip, filter).Input(0).unsqueeze(0)).add(S(1), One) / S(2);
        ImageIO.Write(output, y[0]);
    }

    private void GenFolder(string input, string output, StylizeApplyOptions options, IProgressReporter progress, CancellationToken cancel)
    {
        var frames = StylizePublishedLayout.GenFrames(input);
        if (frames.Count == 0) throw new InvalidInputException(input, $"{input}/input_filtered: no frames there");
        using var writer = new VideoWriter(output, new VideoWriteOptions { FrameRate = Rational(options.FolderFps) });
        using (var task = progress.Start("stylize", frames.Count))
            for (var i = 0; i < frames.Count; i += options.Batch)
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var x = stack(frames.Skip(i).Take(options.Batch).Select(f => StylizePublishedLayout.GenInput(input, f, InputChannels, options.GuideDir)).ToArray());
                var y = Stylize(x).add(S(1), One) / S(2);
                for (var k = 0; k < y.shape[0]; k++) writer.Write(y[k]);
                task.Advance(y.shape[0]);
            }
        writer.Complete();
    }

    private static string Rational(double fps) => fps.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>Vivify's "meta" entry of a model file, or null (published models have none).</summary>
    private static PyDict? Meta(string path)
    {
        try
        {
            return CheckpointIO.Load(path, TorchLoadOptions.PickledModules(StylizeCheckpoints.PublishedClasses)) is PyDict d && d.TryGetValue("meta", out var m) ? m as PyDict : null;
        }
        catch (VivifyException) { return null; } // the generator loaded already; a file without Vivify's settings has none
    }

    public void Dispose() => _generator.Dispose();
}
