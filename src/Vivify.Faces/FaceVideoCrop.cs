using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Faces;

/// <summary>
/// The published crop-video.py: faces are detected in every frame (on a copy at most 640 px wide or high) and followed
/// as <see cref="CropSegments"/>; each segment's frames are then cut to its enlarged box and resized to a square.
/// </summary>
public static class FaceVideoCrop
{
    /// <summary>The longest side frames are analysed at; larger frames are shrunk for detection.</summary>
    public const int AnalysisSide = 640;

    /// <summary>Pass 1: the continuous face segments of <paramref name="video"/>, as <paramref name="segments"/> finds them.</summary>
    public static List<CropSegment> FindSegments(FaceAnalyzer analyzer, VideoSource video, CropSegments segments,
        IProgressReporter? progress = null, CancellationToken cancel = default)
    {
        var info = video.Info;
        var scale = Math.Max(1.0, Math.Max(info.Width, info.Height) / (double)AnalysisSide);
        using (var task = (progress ?? NoProgress.Instance).Start("find faces", info.FrameCount))
        {
            foreach (var f in video.Frames(0, null, cancel))
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var image = f.ToTensor();
                if (scale > 1) image = Geometry.Resize(image, (int)Math.Round(f.Height / scale), (int)Math.Round(f.Width / scale));
                var faces = analyzer.Detect(image).Select(d => d with { X = d.X * scale, Y = d.Y * scale, Width = d.Width * scale, Height = d.Height * scale });
                segments.Add(faces);
                task.Advance();
            }
        }
        return segments.Finish();
    }

    /// <summary>Pass 2: the frames of <paramref name="segment"/>, cut to its box and resized to <paramref name="side"/>×<paramref name="side"/>.</summary>
    public static IEnumerable<RgbFrame> Frames(VideoSource video, CropSegment segment, int side, CancellationToken cancel = default) =>
        video.Frames(segment.Start, segment.End - segment.Start, cancel)
            .Select(f => FrameTransform.CropResize(f, segment.Left, segment.Top, segment.Width, segment.Height, side, side));
}
