using Vivify.Media;
using Vivify.Torch.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>A painted frame of a video on disk: the 0-based frame number and the painting (a picture of the frame's size).</summary>
public sealed record PaintedFrame(long Frame, string PaintingPath);

/// <summary><see cref="StylizeSearch"/> on files: a video, painted keyframes and a painted held-out frame.</summary>
public static class StylizeSearchFiles
{
    /// <summary>
    /// Reads the frames and paintings, then runs the grid search (see <see cref="StylizeSearch.Run"/>), with the
    /// perceptual term when <paramref name="vgg19Path"/> (torchvision's vgg19-dcbb9e9d.pth) is given.
    /// </summary>
    public static IReadOnlyList<SearchResult> Run(string video, IReadOnlyList<PaintedFrame> keys, PaintedFrame holdout, StylizeConfig baseConfig,
        SearchGrid grid, double secondsPerSetting, string? vgg19Path = null, long seed = 0, Action<SearchResult>? onResult = null,
        CancellationToken cancel = default)
    {
        using var scope = NewDisposeScope();
        var src = VideoSource.Open(video);
        var keyframes = keys.Select(k =>
        {
            var (frame, painted) = ReadPair(src, k);
            return new Keyframe(frame * S(2) - S(1), painted * S(2) - S(1));
        }).ToList();
        var (holdFrame, holdPainted) = ReadPair(src, holdout);
        using var perception = vgg19Path is null ? null
            : new PerceptualVGG19(Vgg19Features.Load(vgg19Path), baseConfig.PerceptionLoss.PerceptionModel.Args.FeatureLayers,
                baseConfig.PerceptionLoss.PerceptionModel.Args.UseNormalization);
        return StylizeSearch.Run(baseConfig, keyframes, holdFrame * S(2) - S(1), holdPainted, grid, secondsPerSetting, perception, seed,
            onResult: onResult, cancel: cancel);
    }

    /// <summary>Frame <see cref="PaintedFrame.Frame"/> of the video and its painting, both [3,H,W] in [0,1] and of the same size.</summary>
    public static (Tensor Frame, Tensor Painted) ReadPair(VideoSource src, PaintedFrame p)
    {
        if (p.Frame < 0 || (p.Frame >= src.Info.FrameCount && src.Info.FrameCount > 0))
            throw new InvalidInputException(p.PaintingPath, $"{p.PaintingPath}: frame {p.Frame} is out of range; the video has {src.Info.FrameCount} frames (0…{src.Info.FrameCount - 1})");
        using var scope = NewDisposeScope();
        var frame = src.ReadFrame(p.Frame).ToTensor();
        var painted = ImageIO.Read(p.PaintingPath);
        if (!painted.shape.SequenceEqual(frame.shape))
            throw new InvalidInputException(p.PaintingPath, $"{p.PaintingPath}: is {painted.shape[2]}×{painted.shape[1]} but frame {p.Frame} is {frame.shape[2]}×{frame.shape[1]}: paint over the frame at its size");
        return (frame.MoveToOuterDisposeScope(), painted.MoveToOuterDisposeScope());
    }
}
