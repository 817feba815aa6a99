using Vivify.Media;
using Vivify.Stylize.Prep;
using Vivify.Torch.Modules;
using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>A painted keyframe on disk: its 0-based frame number, the painted picture, the optional mask (white = painted).</summary>
public sealed record KeyframeFile(int Frame, string PaintedPath, string? MaskPath = null);

/// <summary>
/// Reading what stylization takes: the footage (a video, a folder of numbered pictures, any <see cref="VideoSource"/> or
/// frames in memory) into a <see cref="Clip"/>, painted keyframes and masks, the default configuration and VGG19.
/// Bad input throws <see cref="InvalidInputException"/> with a one-line message naming the file and the fix.
/// </summary>
public static class StylizeInputs
{
    /// <summary>The default configuration: Vivify's copy of the published reference_P values (configs/stylize-reference_P.yaml).</summary>
    public static StylizeConfig DefaultConfig()
    {
        using var s = typeof(StylizeInputs).Assembly.GetManifestResourceStream("stylize-reference_P.yaml")!;
        using var r = new StreamReader(s);
        return StylizeConfig.Parse(r.ReadToEnd(), "configs/stylize-reference_P.yaml");
    }

    /// <summary>A configuration YAML file, or <see cref="DefaultConfig"/> when <paramref name="path"/> is null.</summary>
    public static StylizeConfig Config(string? path) => path is null ? DefaultConfig() : StylizeConfig.Load(path);

    /// <summary>torchvision's VGG19 features for the perceptual term (vgg19-dcbb9e9d.pth), or null for none.</summary>
    public static Vgg19Features? Vgg(string? path) => path is null ? null : Vgg19Features.Load(path);

    /// <summary>All frames of a video or a folder of numbered pictures (at most <paramref name="maxFrames"/>), and what the source is.</summary>
    public static (Clip Clip, MediaInfo Info) LoadClip(string path, CancellationToken cancel = default, long? maxFrames = null)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new InvalidInputException(path, $"{path}: no such video or folder; check the path");
        var source = VideoSource.Open(path);
        return (LoadClip(source.Frames(0, maxFrames, cancel), path), source.Info);
    }

    /// <summary>The first <paramref name="maxFrames"/> frames (all when null) of any <see cref="VideoSource"/>.</summary>
    public static Clip LoadClip(VideoSource source, long? maxFrames = null, CancellationToken cancel = default) =>
        LoadClip(source.Frames(0, maxFrames, cancel), source.Info.Path);

    /// <summary>A clip from frames that arrive asynchronously (a camera, an upload), at most <paramref name="maxFrames"/>.</summary>
    public static async Task<Clip> LoadClipAsync(IAsyncEnumerable<RgbFrame> frames, long? maxFrames = null, string name = "the frames",
        CancellationToken cancel = default)
    {
        var list = new List<RgbFrame>();
        await foreach (var f in frames.WithCancellation(cancel))
        {
            if (list.Count >= maxFrames) break;
            list.Add(f);
        }
        return LoadClip(list, name);
    }

    /// <summary>A clip from frames in memory or from any source (a camera's, a request's); <paramref name="name"/> names it in messages.</summary>
    public static Clip LoadClip(IEnumerable<RgbFrame> frames, string name = "the frames")
    {
        var list = new List<Tensor>();
        try
        {
            foreach (var f in frames) list.Add(f.ToByteTensor());
            if (list.Count == 0) throw new InvalidInputException(name, $"{name}: has no frames; give a video with at least one frame");
            return new Clip(list);
        }
        catch
        {
            foreach (var t in list) t.Dispose();
            throw;
        }
    }

    /// <summary>A painted picture as uint8 [3,H,W] of the clip's size.</summary>
    public static Tensor Painted(string path, int frame, Clip clip)
    {
        var f = ImageIO.ReadFrame(path);
        if (f.Width != clip.Width || f.Height != clip.Height)
            throw new InvalidInputException(path, $"{path}: keyframe {frame} is {f.Width}×{f.Height} but the video is {clip.Width}×{clip.Height}: paint over the video's frame at its size");
        var t = f.ToByteTensor();
        t.DetachFromDisposeScope();
        return t;
    }

    /// <summary>
    /// A mask picture as float [H,W] of 0/1, as the published loader reads it (grey, above 128 is painted); it must
    /// mark an area of at least 7×7 pixels (checked by eroding it with a 7×7 box, as patch centres are found).
    /// </summary>
    public static Tensor Mask(string path, int frame, long height, long width)
    {
        RgbFrame f;
        try { f = ImageIO.ReadFrame(path); }
        catch (VivifyException e) { throw new InvalidInputException(path, $"mask for frame {frame}: {e.Message}", e); }
        if (f.Width != width || f.Height != height)
            throw new InvalidInputException(path, $"{path}: mask for frame {frame} is {f.Width}×{f.Height} but the video is {width}×{height}: draw the mask at the video's size");
        using var scope = NewDisposeScope();
        var rgb = f.ToHwcByteTensor().to(ScalarType.Float32);
        var grey = (rgb[.., .., 0] * S(0.299)).add(rgb[.., .., 1] * S(0.587), One).add(rgb[.., .., 2] * S(0.114), One);
        var mask = (grey > S(128)).to(ScalarType.Float32);
        var eroded = nn.functional.conv2d(mask.view(1, 1, height, width), ones(1, 1, 7, 7), padding: [3, 3]);
        if (!(eroded >= S(49)).any().item<bool>())
            throw new InvalidInputException(path, $"{path}: mask for frame {frame} marks no area of at least 7×7 pixels (white = painted): paint a larger white area");
        return mask.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Checks keyframe files against the clip (frame numbers in range, one painting per frame, the files there) and
    /// orders them by frame.
    /// </summary>
    public static List<KeyframeFile> CheckKeys(IEnumerable<KeyframeFile> keys, Clip clip, string video)
    {
        var list = new List<KeyframeFile>();
        foreach (var k in keys)
        {
            if (k.Frame < 0 || k.Frame >= clip.Count) throw new InvalidInputException(k.PaintedPath, $"{k.PaintedPath}: keyframe {k.Frame} is out of range, {video} has frames 0–{clip.Count - 1}");
            if (!File.Exists(k.PaintedPath)) throw new InvalidInputException(k.PaintedPath, $"{k.PaintedPath}: keyframe {k.Frame} not found; check the path");
            if (k.MaskPath is not null && !File.Exists(k.MaskPath)) throw new InvalidInputException(k.MaskPath, $"{k.MaskPath}: mask for frame {k.Frame} not found; check the path");
            if (list.Any(s => s.Frame == k.Frame)) throw new InvalidInputException(k.PaintedPath, $"{k.PaintedPath}: frame {k.Frame} has a painted keyframe already; give one per frame");
            list.Add(k);
        }
        if (list.Count == 0) throw new ArgumentException("stylization needs at least one painted keyframe", nameof(keys));
        return list.OrderBy(s => s.Frame).ToList();
    }

    /// <summary>The keyframes in model space from the prepared inputs (the caller, or the session they are given to, owns them).</summary>
    public static List<Keyframe> Keyframes(IReadOnlyList<KeyframeFile> keys, FramePrep prep)
    {
        var list = new List<Keyframe>();
        try
        {
            foreach (var k in keys)
            {
                var pre = prep.Input(k.Frame);
                pre.DetachFromDisposeScope();
                Tensor? post = null;
                try
                {
                    using (var painted = Painted(k.PaintedPath, k.Frame, prep.Clip)) post = Keyframe.ToModelSpace(painted);
                    post.DetachFromDisposeScope();
                    var mask = k.MaskPath is null ? null : Mask(k.MaskPath, k.Frame, prep.Clip.Height, prep.Clip.Width);
                    mask?.DetachFromDisposeScope();
                    list.Add(new Keyframe(pre, post, mask));
                }
                catch
                {
                    pre.Dispose();
                    post?.Dispose();
                    throw;
                }
            }
            return list;
        }
        catch
        {
            foreach (var k in list) { k.Pre.Dispose(); k.Post.Dispose(); k.Mask?.Dispose(); }
            throw;
        }
    }

    /// <summary>The auxiliary guide: Gaussian disks seeded on the keyframes (within their masks), advected along the flow.</summary>
    public static GaussDisks Guide(Clip clip, IReadOnlyList<KeyframeFile> keys) =>
        new(clip, keys.Select(k => (k.Frame, k.MaskPath is null ? (Tensor?)null : Mask(k.MaskPath, k.Frame, clip.Height, clip.Width))).ToList());
}
