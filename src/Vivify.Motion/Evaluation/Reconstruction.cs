using Vivify.Media;
using Vivify.Motion.Data;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Evaluation;

/// <summary>Reconstruction L1 of one test video: the model's, and the copy-the-first-frame baseline's; the driving keypoints per frame [frames, num_kp, 2].</summary>
public sealed record VideoReconstruction(string Name, int Frames, double L1, double FirstFrameL1, float[,,] Keypoints);

/// <summary>
/// The published reconstruction mode: each test video reconstructed from its first frame (keypoints of the first
/// frame as source, of every frame as driving, models in eval mode); the L1 is the mean |prediction − frame| with
/// pixels in [0, 1], per video and over all frames together (the published "Reconstruction loss"). Alongside, the L1 of
/// simply repeating the first frame, the baseline a trained model must beat.
/// </summary>
public static class Reconstruction
{
    /// <summary>
    /// The videos of a test folder (or of ROOT/test when given a dataset root); with <paramref name="heldOut"/>, the
    /// test part of the random split of a root without train/ and test/ (<see cref="DatasetSplit"/>), as training used.
    /// </summary>
    public static List<string> Videos(string dir, bool heldOut = false)
    {
        if (!Directory.Exists(dir)) throw new InvalidInputException(dir, $"{dir}: directory not found; give the dataset's test folder (DIR/test)");
        List<string> videos;
        if (DatasetSplit.HasPredefinedSplit(dir)) videos = DatasetSplit.VideosIn(Path.Combine(dir, "test"));
        else if (heldOut) return DatasetSplit.RandomSplit(dir).Test;
        else videos = DatasetSplit.VideosIn(dir);
        if (videos.Count == 0) throw new InvalidInputException(dir, $"{dir}: no videos (folders of frames, png strips or video files); give the dataset's test folder");
        return videos;
    }

    /// <summary>
    /// Reconstructs each video of <paramref name="videos"/> with <paramref name="model"/>, read at the config's frame
    /// size, writing OUT/NAME.mp4 (frame | prediction | occlusion) per video into <paramref name="outDir"/> (which must
    /// exist). With <paramref name="alignCorners"/>, grid_sample as PyTorch 1.0 did (align_corners=True), for the
    /// published checkpoints.
    /// </summary>
    public static List<VideoReconstruction> Run(MotionModel model, IReadOnlyList<string> videos, string outDir, bool alignCorners,
        IProgressReporter? progress = null, CancellationToken cancel = default)
    {
        model.Generator.align_corners = alignCorners;
        var (height, width) = model.FrameSize;
        using var reader = new VideoReader(height, width, cacheBytes: 0);
        using var task = (progress ?? NoProgress.Instance).Start("reconstruct", videos.Count, "videos");
        var list = new List<VideoReconstruction>();
        foreach (var path in videos)
        {
            using var scope = NewDisposeScope();
            var name = Path.GetFileNameWithoutExtension(path.TrimEnd('/'));
            var video = reader.Read(path).permute(0, 3, 1, 2).to(ScalarType.Float32).div(S(255f)).to(model.Device);
            list.Add(Run(name, video, model.KeypointDetector, model.Generator, Path.Combine(outDir, name + ".mp4"), cancel));
            task.Advance();
        }
        return list;
    }

    /// <summary>
    /// Reconstructs one video [F, 3, H, W]; with <paramref name="sideBySide"/>, writes frame, prediction and the
    /// occlusion map side by side as a video there.
    /// </summary>
    public static VideoReconstruction Run(string name, Tensor video, KeypointDetector kp_detector, OcclusionAwareGenerator generator,
        string? sideBySide, CancellationToken cancel = default)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var source = video[..1];
        using var kp_source = kp_detector.forward(source);
        double sum = 0, baseline = 0;
        var frames = (int)video.shape[0];
        var keypoints = new float[frames, kp_source.value.shape[1], 2];
        using var writer = sideBySide is null ? null : new VideoWriter(sideBySide, new VideoWriteOptions { FrameRate = "10" });
        for (var f = 0; f < frames; f++)
        {
            cancel.ThrowIfCancellationRequested();
            using var frameScope = NewDisposeScope();
            var driving = video[f..(f + 1)];
            using var kp_driving = kp_detector.forward(driving);
            var values = kp_driving.value[0].to(ScalarType.Float32).data<float>().ToArray();
            for (var k = 0; k < keypoints.GetLength(1); k++)
                for (var c = 0; c < 2; c++) keypoints[f, k, c] = values[k * 2 + c];
            using var @out = generator.forward(source, kp_driving, kp_source);
            sum += (@out.prediction - driving).abs().mean().to(ScalarType.Float64).item<double>();
            baseline += (source - driving).abs().mean().to(ScalarType.Float64).item<double>();
            if (writer is not null)
            {
                var panels = new List<Tensor> { driving[0], @out.prediction[0] };
                if (@out.occlusion_map is { } occ)
                    panels.Add(nn.functional.interpolate(occ, size: [driving.shape[2], driving.shape[3]], mode: InterpolationMode.Bilinear, align_corners: false)[0].expand(3, -1, -1));
                writer.Write(cat(panels, dim: 2));
            }
        }
        writer?.Complete();
        return new VideoReconstruction(name, frames, sum / frames, baseline / frames, keypoints);
    }
}
