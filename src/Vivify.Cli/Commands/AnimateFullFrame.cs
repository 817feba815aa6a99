using Vivify.Faces;
using Vivify.Media;
using Vivify.Motion;

namespace Vivify.Cli.Commands;

/// <summary>
/// `vivify animate --frame paste|crop`: which frame mode a run takes, the source's faces, the driving face tracked
/// through the video (first pass), with --find-best-frame each track's best frame (another pass), then
/// <see cref="FullFrameAnimation"/> over a <see cref="MotionCropAnimator"/> (the last pass), frames decoded ahead and
/// encoded behind.
/// </summary>
internal static class AnimateFullFrame
{
    /// <summary>The source picture is searched at most this large (the SSD sees 512×512 anyway).</summary>
    private const int SourceSearchSide = 1024;

    /// <summary>Driving frames are searched at most this large, as `faces crop` does.</summary>
    private const int DrivingSearchSide = 640;

    /// <summary>
    /// Whether the config is of a face model: its file name, or its dataset_params.root_dir, names one of the face
    /// datasets of the published configs (vox: VoxCeleb; nemo: UvA-NEMO smiles). Taichi, bair, mgif, fashion and
    /// any other model animate whole frames by default.
    /// </summary>
    public static bool IsFaceModel(string configPath, FommConfig config)
    {
        static bool Names(string? text) =>
            text is not null && (text.Contains("vox", StringComparison.OrdinalIgnoreCase) || text.Contains("nemo", StringComparison.OrdinalIgnoreCase));
        return Names(Path.GetFileName(configPath)) || Names(config.dataset_params.root_dir);
    }

    /// <summary>
    /// The frame mode of a run and, under paste or crop, the source's faces: as asked, or by default paste when the
    /// model is a face model (<see cref="IsFaceModel"/>) and the source shows a face, else whole. Explicit paste or
    /// crop of a source without a face is a one-line error.
    /// </summary>
    public static (FrameMode Mode, List<FaceResult> Faces) Choose(AnimateCommand.AnimateRequest r, Animator model, RgbFrame source)
    {
        var asked = r.Frame ?? (r.AllFaces ? FrameMode.Paste : null); // --all-faces asks for paste
        if (asked == FrameMode.Whole) return (FrameMode.Whole, new List<FaceResult>());
        if (asked is null)
        {
            if (!IsFaceModel(r.Config, model.Config)) return (FrameMode.Whole, new List<FaceResult>());
            var dir = r.FaceModels ?? FaceModels.DefaultDirectory();
            if (!FaceModels.ArePresent(dir))
            {
                r.Log.WriteLine($"vivify: animating the whole frame: the face-api networks are not in {dir} to find the face (make setup, or --models DIR)");
                return (FrameMode.Whole, new List<FaceResult>());
            }
        }
        using var analyzer = new FaceAnalyzer(FaceModels.Require(r.FaceModels));
        var faces = new FaceFinder(analyzer, SourceSearchSide).Find(source);
        if (faces.Count == 0)
        {
            if (asked is null)
            {
                r.Log.WriteLine($"vivify: {r.Source}: no face found; animating the whole frame");
                return (FrameMode.Whole, new List<FaceResult>());
            }
            throw new VivifyException($"{r.Source}: no face found to {(asked == FrameMode.Paste ? "paste into" : "crop")}; animate the whole picture with --frame whole");
        }
        var mode = asked ?? FrameMode.Paste;
        var chosen = r.AllFaces ? faces.OrderBy(f => f.Detection.X).ToList() : [FaceChoice.Choose(faces, r.Face, r.Source)];
        foreach (var face in chosen)
            if (FaceChoice.ProfileWarning(face, r.Source) is { } warning) r.Log.WriteLine($"vivify: warning: {warning}");
        return (mode, chosen);
    }

    public static int Run(AnimateCommand.AnimateRequest r, Animator model, RgbFrame source, VideoSource video, FrameMode mode,
        IReadOnlyList<FaceResult> faces, IProgressReporter progress, CancellationToken cancel)
    {
        var squares = faces.Select(f => FaceFraming.Square(f)).ToList();
        var track = Track(r, video, progress, cancel); // a driving video without a face fails before anything is said
        r.Log.WriteLine($"vivify: {(mode == FrameMode.Paste ? "pasting" : "cropping")} {Counted.Of(squares.Count, "face")} of {r.Source} ({string.Join(", ", squares)})");
        var cuts = track.Cuts.ToList();
        r.Log.WriteLine($"vivify: driving face tracked in {Counted.Of(track.Boxes.Count, "frame")}"
            + (track.FramesWithoutFace > 0 ? $"; {Counted.Of(track.FramesWithoutFace, "frame")} without a face kept the last good box" : "")
            + (cuts.Count > 0 ? $"; {Counted.Of(cuts.Count, "scene cut")} (relative motion restarts at frame {string.Join(", ", cuts)})" : ""));

        using var initial = Initial(r, model, source, faces, video, track, progress, cancel);
        using var animator = model.CropAnimator(r.Options);
        using var animation = new FullFrameAnimation(animator, source, squares, mode) { SideBySide = r.Options.SideBySide };
        var options = new VideoWriteOptions
        {
            FrameRate = video.Info.FrameRate,
            AudioFrom = r.Audio && !Directory.Exists(r.Driving) ? r.Driving : null,
            AudioFromInfo = video.Info,
            TimingFrom = video.Info,
        };
        // Frames waiting for the encoder: two batches, fewer for a large picture (at most about 256 MB of them).
        var frameBytes = mode == FrameMode.Paste ? 3L * source.Width * source.Height : 3L * model.FrameSize.Height * model.FrameSize.Width;
        var capacity = (int)Math.Clamp((256L << 20) / frameBytes, 2, 2 * r.Options.BatchSize);
        using var writer = new BackgroundVideoWriter(new VideoWriter(r.Output, options), capacity, size: animation.OutputSize);
        using (var task = progress.Start("animate", video.Info.FrameCount > 0 ? video.Info.FrameCount : null))
        {
            var frames = Prefetch.Ahead(video.Frames(0, null, cancel), 2 * r.Options.BatchSize, cancel);
            foreach (var frame in animation.Animate(frames, track, r.Options.BatchSize, initial, cancel))
            {
                writer.Write(frame);
                task.Advance();
            }
        }
        if (writer.FramesWritten == 0) throw new VivifyException($"{r.Driving}: no frame could be read; check the video");
        cancel.ThrowIfCancellationRequested();
        writer.Complete();
        return 0;
    }

    /// <summary>
    /// The initial frames of relative motion: with --driving-start N, frame N for its track; with --find-best-frame,
    /// in each track the crop whose landmarks best match the source face's (of several faces, the largest); else
    /// none (each track starts from its first frame).
    /// </summary>
    private static InitialFrames? Initial(AnimateCommand.AnimateRequest r, Animator model, RgbFrame source, IReadOnlyList<FaceResult> faces,
        VideoSource video, FaceTrackResult track, IProgressReporter progress, CancellationToken cancel)
    {
        if (r.DrivingStart != 0)
        {
            if (r.DrivingStart >= track.Boxes.Count)
                throw new UsageException($"--driving-start {r.DrivingStart}: {r.Driving} has {Counted.Of(track.Boxes.Count, "frame")} (0 to {track.Boxes.Count - 1})");
            var initial = new InitialFrames(track, model.FrameSize);
            initial.Set((int)r.DrivingStart, video.ReadFrame(r.DrivingStart));
            r.Log.WriteLine($"vivify: relative motion of the track from frame {track.TrackOf((int)r.DrivingStart)} starts at frame {r.DrivingStart}");
            return initial;
        }
        if (!r.FindBestFrame) return null;
        using var analyzer = new FaceAnalyzer(FaceModels.Require(r.FaceModels));
        var (height, width) = model.FrameSize;
        using var scope = TorchSharp.torch.NewDisposeScope();
        var largest = faces.OrderByDescending(f => f.Detection.Area).First();
        var sourceCrop = FrameRegion.Cut(source, FaceFraming.Square(largest), height, width);
        var found = TrackBestFrames.Find(analyzer, sourceCrop, Prefetch.Ahead(video.Frames(0, null, cancel), 4, cancel), track, r.Driving,
            video.Info.FrameCount > 0 ? video.Info.FrameCount : null, progress, cancel);
        var best = found.Initial.Frames;
        r.Log.WriteLine(best.Count == 1
            ? $"vivify: best frame {best.Values.Single()} of {r.Driving} ({found.CropsWithFace} of {found.Crops} frames show the face)"
            : $"vivify: best frames {string.Join(", ", best.Select(p => $"{p.Value} (track from frame {p.Key})"))} of {r.Driving} ({found.CropsWithFace} of {found.Crops} frames show the face)");
        return found.Initial;
    }

    /// <summary>The first pass: the driving face in every frame (the tiny detector, on copies at most 640 pixels large), and the scene cuts.</summary>
    private static FaceTrackResult Track(AnimateCommand.AnimateRequest r, VideoSource video, IProgressReporter progress, CancellationToken cancel)
    {
        using var analyzer = new FaceAnalyzer(FaceModels.Require(r.FaceModels), FaceDetectorKind.Tiny);
        var finder = new FaceFinder(analyzer, DrivingSearchSide);
        var track = new FaceTrack(video.Info.Fps > 0 ? video.Info.Fps : r.FolderFps);
        using (var task = progress.Start("track face", video.Info.FrameCount > 0 ? video.Info.FrameCount : null))
        {
            foreach (var frame in Prefetch.Ahead(video.Frames(0, null, cancel), 4, cancel))
            {
                cancel.ThrowIfCancellationRequested();
                track.Add(finder.Boxes(frame), frame);
                task.Advance();
            }
        }
        if (track.Count == 0) throw new VivifyException($"{r.Driving}: no frame could be read; check the video");
        return track.Finish(r.Driving);
    }
}
