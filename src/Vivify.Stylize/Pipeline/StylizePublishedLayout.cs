using Vivify.Media;
using Vivify.Torch.Checkpoints;
using static TorchSharp.torch;

namespace Vivify.Stylize;

/// <summary>
/// The published tool's folders: NAME_train/{input_filtered, output, mask[, x1 guide]} with the same file names for a
/// keyframe's filtered frame, painting and mask, and NAME_gen/{input_filtered[, x1 guide]} with the frames to stylize.
/// The frames there are already pre-filtered, so they are used as they are.
/// </summary>
public static class StylizePublishedLayout
{
    /// <summary>The guide images' folder of the published tool.</summary>
    public const string DefaultGuideDir = "input_gdisko_gauss_r10_s10";

    /// <summary>Whether <paramref name="dir"/> is a published NAME_gen folder (has input_filtered/).</summary>
    public static bool IsGenFolder(string dir) => Directory.Exists(Path.Combine(dir, "input_filtered"));

    /// <summary>Keyframes of a NAME_train folder (guide folder: the configuration's dir_x1, or the published name with <paramref name="guide"/>).</summary>
    public static List<Keyframe> TrainKeyframes(string root, StylizeConfig config, bool guide)
    {
        var d = config.TrainingDataset;
        string Dir(string name) => Path.Combine(root, name);
        if (!Directory.Exists(Dir(d.DirPre)) || !Directory.Exists(Dir(d.DirPost)))
            throw new InvalidInputException(root, $"{root}: not a published training folder (needs {d.DirPre}/ and {d.DirPost}/ with the same file names)");
        var guideDir = d.DirX1 ?? (guide ? DefaultGuideDir : null);
        var list = new List<Keyframe>();
        foreach (var pre in Directory.GetFiles(Dir(d.DirPre)).Where(InputPath.IsStill).Order(StringComparer.Ordinal))
        {
            var png = Path.GetFileNameWithoutExtension(pre) + ".png";
            var post = Path.Combine(Dir(d.DirPost), png);
            if (!File.Exists(post)) throw new InvalidInputException(post, $"{post}: the painted keyframe for {pre} is missing; add it or remove the frame");
            using var scope = NewDisposeScope();
            var x = Keyframe.ToModelSpace(ImageIO.ReadFrame(pre).ToByteTensor());
            if (guideDir is not null)
            {
                var g = Path.Combine(Dir(guideDir), Path.GetFileName(pre));
                if (!File.Exists(g)) throw new InvalidInputException(g, $"{g}: the guide image for {pre} is missing; add {guideDir}/ or train without the guide channels");
                x = cat([x, Keyframe.ToModelSpace(ImageIO.ReadFrame(g).ToByteTensor())], 0);
            }
            var painted = ImageIO.ReadFrame(post).ToByteTensor();
            if (painted.shape[1] != x.shape[1] || painted.shape[2] != x.shape[2])
                throw new InvalidInputException(post, $"{post}: is {painted.shape[2]}×{painted.shape[1]} but its frame is {x.shape[2]}×{x.shape[1]}: paint over the frame at its size");
            var maskPath = Path.Combine(Dir(d.DirMask), png);
            var mask = File.Exists(maskPath) ? StylizeInputs.Mask(maskPath, list.Count, x.shape[1], x.shape[2]) : null;
            var kf = new Keyframe(x.MoveToOuterDisposeScope(), Keyframe.ToModelSpace(painted).MoveToOuterDisposeScope(), mask?.MoveToOuterDisposeScope());
            list.Add(kf);
        }
        if (list.Count == 0) throw new InvalidInputException(Dir(d.DirPre), $"{Dir(d.DirPre)}: no keyframes there; put the filtered keyframes in it");
        return list;
    }

    /// <summary>
    /// A session that trains on the keyframes of the NAME_train folder <paramref name="root"/>: new, or continuing the
    /// model file <paramref name="resumeFrom"/> (the configuration: <see cref="StylizeJobOptions.Config"/>, default
    /// reference_P). Its guide channels come from the configuration's dir_x1 or <see cref="StylizeJobOptions.Guide"/>.
    /// </summary>
    public static StylizeSession TrainingSession(string root, StylizeJobOptions options, string? resumeFrom = null)
    {
        var config = options.Config ?? StylizeInputs.DefaultConfig();
        var keyframes = TrainKeyframes(root, config, options.Guide);
        try
        {
            var device = StylizeJob.DeviceOf(options.Device);
            var session = resumeFrom is not null
                ? StylizeSession.Resume(resumeFrom, config, options.LoadVgg19(), options.Seed, device, options.Average)
                : new StylizeSession(config, (int)keyframes[0].Pre.shape[0], options.LoadVgg19(), options.Seed, device, options.Average);
            try { session.SetKeyframes(keyframes, new PyDict { ["prefilter"] = "none" }); }
            catch { session.Dispose(); throw; }
            return session;
        }
        catch
        {
            foreach (var k in keyframes) { k.Pre.Dispose(); k.Post.Dispose(); k.Mask?.Dispose(); }
            throw;
        }
    }

    /// <summary>The frames of a NAME_gen folder in name order.</summary>
    public static List<string> GenFrames(string root) =>
        Directory.GetFiles(Path.Combine(root, "input_filtered")).Where(InputPath.IsStill).Order(StringComparer.Ordinal).ToList();

    /// <summary>The model-space input of a NAME_gen frame with <paramref name="channels"/> channels (6: with its guide image).</summary>
    public static Tensor GenInput(string root, string frame, int channels, string guideDir)
    {
        using var scope = NewDisposeScope();
        var x = Keyframe.ToModelSpace(ImageIO.ReadFrame(frame).ToByteTensor());
        if (channels == 6)
        {
            var g = Path.Combine(root, guideDir, Path.GetFileName(frame));
            if (!File.Exists(g)) throw new InvalidInputException(g, $"{g}: the model takes a guide image and this one is missing; add {guideDir}/ to {root}");
            x = cat([x, Keyframe.ToModelSpace(ImageIO.ReadFrame(g).ToByteTensor())], 0);
        }
        return x.MoveToOuterDisposeScope();
    }
}
