using System.Reflection;
using Vivify.Media;
using Vivify.Stylize;
using Vivify.Stylize.Prep;
using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Cli.Commands;

/// <summary>Reading what the stylize commands take: the video, painted keyframes and masks, configuration and VGG19.</summary>
internal static class StylizeInputs
{
    /// <summary>The --device to run the networks on (cpu default).</summary>
    public static Device Device(System.CommandLine.ParseResult parse) => torch.device(parse.GetValue(Cli.Device) ?? "cpu");

    /// <summary>The model files Vivify writes: torch.save zips.</summary>
    public static OutputPlan Model(this OutputPlan plan, string? path) =>
        plan.File(path, "a model", Vivify.Torch.Checkpoints.CheckpointIO.TorchExtensions);

    /// <summary>"N=FILE" (N a 0-based frame number) as given to --key and --mask.</summary>
    public static (int Frame, string Path) ParseFramePath(string text, string option)
    {
        var eq = text.IndexOf('=');
        if (eq <= 0 || eq == text.Length - 1 || !int.TryParse(text[..eq], out var n) || n < 0)
            throw new UsageException($"{option} '{text}' is not FRAME=FILE with a 0-based frame number, e.g. {option} 0=painted.png");
        return (n, text[(eq + 1)..]);
    }

    /// <summary>The configuration: a YAML file, or Vivify's bundled copy of the published reference_P.</summary>
    public static StylizeConfig Config(string? path)
    {
        if (path is not null) return StylizeConfig.Load(path);
        using var s = Assembly.GetExecutingAssembly().GetManifestResourceStream("stylize-reference_P.yaml")!;
        using var r = new StreamReader(s);
        return StylizeConfig.Parse(r.ReadToEnd(), "configs/stylize-reference_P.yaml");
    }

    /// <summary>VGG19 for the perceptual term, or null (and a log line saying the term is left out).</summary>
    public static Vgg19Features? Vgg(string? path, StylizeConfig config, TextWriter log, bool quiet)
    {
        if (path is not null) return StylizeCheckpoints.LoadVgg19(path);
        if (!quiet && config.PerceptionLoss.Weight != 0)
            log.WriteLine($"stylize: no --vgg19 given: training without the perceptual (VGG19) loss term (its weight {config.PerceptionLoss.Weight} is not applied); the loss is {config.Trainer.ReconstructionWeight}·L1 + {config.Trainer.AdversarialWeight}·adversarial");
        return null;
    }

    /// <summary>All frames of a video or a folder of numbered pictures, as uint8 [3,H,W].</summary>
    public static (Clip Clip, MediaInfo Info) LoadClip(string path, CancellationToken cancel, long? maxFrames = null)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new VivifyException($"{path}: no such video or folder; check the path");
        var source = VideoSource.Open(path);
        var frames = new List<Tensor>();
        foreach (var f in source.Frames(0, maxFrames, cancel))
        {
            var t = tensor(f.Data, new long[] { f.Height, f.Width, 3 }, dtype: ScalarType.Byte).permute(2, 0, 1).contiguous();
            t.DetachFromDisposeScope();
            frames.Add(t);
        }
        if (frames.Count == 0) throw new VivifyException($"{path}: has no frames; give a video with at least one frame");
        return (new Clip(frames), source.Info);
    }

    /// <summary>A painted picture as uint8 [3,H,W] of the clip's size.</summary>
    public static Tensor Painted(string path, int frame, Clip clip)
    {
        var f = ImageIO.ReadFrame(path);
        if (f.Width != clip.Width || f.Height != clip.Height)
            throw new VivifyException($"{path}: keyframe {frame} is {f.Width}×{f.Height} but the video is {clip.Width}×{clip.Height}: paint over the video's frame at its size");
        var t = tensor(f.Data, new long[] { f.Height, f.Width, 3 }, dtype: ScalarType.Byte).permute(2, 0, 1).contiguous();
        t.DetachFromDisposeScope();
        return t;
    }

    /// <summary>A mask picture as float [H,W] of 0/1, as the published loader reads it (grey, above 128 is painted).</summary>
    public static Tensor Mask(string path, int frame, long height, long width)
    {
        RgbFrame f;
        try { f = ImageIO.ReadFrame(path); }
        catch (VivifyException e) { throw new VivifyException($"mask for frame {frame}: {e.Message}"); }
        if (f.Width != width || f.Height != height)
            throw new VivifyException($"{path}: mask for frame {frame} is {f.Width}×{f.Height} but the video is {width}×{height}: draw the mask at the video's size");
        using var scope = NewDisposeScope();
        var rgb = tensor(f.Data, new long[] { f.Height, f.Width, 3 }, dtype: ScalarType.Byte).to(ScalarType.Float32);
        var grey = (rgb[.., .., 0] * S(0.299)).add(rgb[.., .., 1] * S(0.587), One).add(rgb[.., .., 2] * S(0.114), One);
        var mask = (grey > S(128)).to(ScalarType.Float32);
        var eroded = nn.functional.conv2d(mask.view(1, 1, height, width), ones(1, 1, 7, 7), padding: [3, 3]);
        if (!(eroded >= S(49)).any().item<bool>())
            throw new VivifyException($"{path}: mask for frame {frame} marks no area of at least 7×7 pixels (white = painted): paint a larger white area");
        return mask.MoveToOuterDisposeScope();
    }

    /// <summary>Checks --key/--mask frame numbers against the clip and pairs the masks with their keys.</summary>
    public static List<KeySpec> Keys(IEnumerable<string> keys, IEnumerable<string> masks, Clip clip, string video)
    {
        var specs = new List<KeySpec>();
        foreach (var k in keys)
        {
            var (n, p) = ParseFramePath(k, "--key");
            if (n >= clip.Count) throw new VivifyException($"--key {k}: frame {n} is out of range, {video} has frames 0–{clip.Count - 1}");
            if (!File.Exists(p)) throw new VivifyException($"{p}: keyframe {n} not found; check the --key path");
            if (specs.Any(s => s.Frame == n)) throw new UsageException($"--key: frame {n} is given twice");
            specs.Add(new KeySpec(n, p, null));
        }
        if (specs.Count == 0) throw new UsageException("give at least one painted keyframe: --key FRAME=PAINTED.png");
        foreach (var m in masks)
        {
            var (n, p) = ParseFramePath(m, "--mask");
            var i = specs.FindIndex(s => s.Frame == n);
            if (i < 0) throw new UsageException($"--mask {m}: frame {n} has no --key; a mask belongs to a painted keyframe");
            if (!File.Exists(p)) throw new VivifyException($"{p}: mask for frame {n} not found; check the --mask path");
            specs[i] = specs[i] with { MaskPath = p };
        }
        return specs.OrderBy(s => s.Frame).ToList();
    }

    /// <summary>The keyframes in model space from the prepared inputs.</summary>
    public static List<Keyframe> Keyframes(IReadOnlyList<KeySpec> keys, FramePrep prep)
    {
        var list = new List<Keyframe>();
        foreach (var k in keys)
        {
            var pre = prep.Input(k.Frame);
            using var painted = Painted(k.PaintedPath, k.Frame, prep.Clip);
            var post = Keyframe.ToModelSpace(painted);
            var mask = k.MaskPath is null ? null : Mask(k.MaskPath, k.Frame, prep.Clip.Height, prep.Clip.Width);
            foreach (var t in new[] { pre, post, mask }) t?.DetachFromDisposeScope();
            list.Add(new Keyframe(pre, post, mask));
        }
        return list;
    }

    /// <summary>The guide's key frames and masks (uint8-style 0/255 as the published gauss tool reads them).</summary>
    public static GaussDisks Guide(Clip clip, IReadOnlyList<KeySpec> keys) =>
        new(clip, keys.Select(k => (k.Frame, k.MaskPath is null ? (Tensor?)null : Mask(k.MaskPath, k.Frame, clip.Height, clip.Width))).ToList());
}

/// <summary>A painted keyframe: its 0-based frame number, the painted picture, the optional mask.</summary>
internal sealed record KeySpec(int Frame, string PaintedPath, string? MaskPath);
