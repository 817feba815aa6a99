using Vivify.Faces;
using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Heads;

/// <summary>What <see cref="HeadsAnimator.Run"/> was asked to do.</summary>
public sealed record HeadsAnimateOptions
{
    /// <summary>true / false: retarget or not; null: decide by comparing face descriptors (see <see cref="HeadsAnimator"/>).</summary>
    public bool? Retarget { get; init; }
    public bool SideBySide { get; init; }
    public bool Audio { get; init; } = true;
    public bool Smooth { get; init; } = true;

    /// <summary>A photograph and the square of its face (<see cref="FaceCrop.PasteBox"/>): each frame is pasted back into it at its full size.</summary>
    public (RgbFrame Picture, SquareBox Box)? PasteInto { get; init; }
}

/// <summary>What a run did: frames written, whether it retargeted (and why), frames without a face.</summary>
public sealed record HeadsAnimateResult(long Frames, bool Retargeted, string RetargetReason, long FramesWithoutFace, long ReferenceFrame);

/// <summary>
/// Puppeteering a fine-tuned person with a driving video: the first driving frame with a face is the reference
/// (its face box fixes the crop of the driving video, its landmarks d₀ anchor <see cref="Retarget"/>); then, frame by
/// frame, the largest face's 68 landmarks (face-api), smoothed over time (One Euro filter), are either retargeted
/// onto the person's mean landmarks or taken as they are in the reference crop's pixels, rasterised at the model's
/// size and rendered by the person's generator. A frame without a face reuses the last landmarks.
/// </summary>
public sealed class HeadsAnimator(HeadsPerson person, FaceAnalyzer analyzer, FaceRecognitionNet? recognition = null)
{
    private static readonly string[] PanelLabels = ["driving", "landmarks", "result"];

    public HeadsAnimateResult Run(VideoSource video, string drivingPath, string output, HeadsAnimateOptions options,
        IProgressReporter progress, CancellationToken cancel, TextWriter? log = null)
    {
        log ??= TextWriter.Null;
        int size = person.Config.ImageSize;
        var (refIndex, refFace, refLandmarks, refDescriptor) = FindReference(video, drivingPath, cancel);
        using (refDescriptor)
        {
            var (retarget, reason) = Decide(options.Retarget, refDescriptor);
            log.WriteLine($"heads animate: reference frame {refIndex}; retargeting {(retarget ? "on" : "off")} ({reason})");
            var box = FaceCrop.Box(refFace);
            var mapper = retarget ? new Retarget(refLandmarks, FaceCrop.FromTensor(person.MeanLandmarks)) : null;
            var smoother = options.Smooth ? new LandmarkSmoother(video.Info.Fps) : null;
            var writeOptions = new VideoWriteOptions
            {
                FrameRate = video.Info.FrameRate,
                AudioFrom = options.Audio && File.Exists(drivingPath) ? drivingPath : null,
                AudioFromInfo = video.Info,
                TimingFrom = video.Info,
            };
            using var writer = new VideoWriter(output, writeOptions);
            using var paste = options.PasteInto is { } into ? new PasteBack(into.Picture, [into.Box]) : null;
            float[,] last = refLandmarks;
            long missing = 0;
            using (var task = progress.Start("heads animate", video.Info.FrameCount > 0 ? video.Info.FrameCount : null))
            {
                foreach (var frame in video.Frames(0, null, cancel))
                {
                    cancel.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    var image = frame.ToTensor();
                    var face = Largest(analyzer.DetectWithLandmarks(image));
                    if (face is null) missing++;
                    else last = smoother?.Smooth(face.Landmarks) ?? face.Landmarks;
                    var points = mapper?.Map(last) ?? box.ToCrop(last, size);
                    var y = LandmarkRaster.Draw(FaceCrop.ToTensor(points), size, size);
                    var result = person.Render(y.unsqueeze(0))[0];
                    var pasted = paste?.Compose([result]);
                    if (options.SideBySide) // panels at least 256 px high
                        writer.Write(SideBySide.Compose([FaceCrop.Cut(image, box, size), y, pasted?.ToTensor() ?? result], Math.Max(size, 256), PanelLabels));
                    else if (pasted is not null) writer.Write(pasted);
                    else writer.Write(result);
                    task.Advance();
                }
            }
            if (writer.FramesWritten == 0) throw new InvalidInputException(drivingPath, $"{drivingPath}: no frame could be read; check the video");
            cancel.ThrowIfCancellationRequested();
            writer.Complete();
            return new HeadsAnimateResult(writer.FramesWritten, retarget, reason, missing, refIndex);
        }
    }

    private (bool, string) Decide(bool? asked, Tensor? drivingDescriptor) => DecideRetarget(asked, person.FaceDescriptor, drivingDescriptor);

    /// <summary>
    /// The largest descriptor distance at which the driving face counts as the fine-tuned person, so that retargeting
    /// is left off. Stricter than face-api's match threshold (0.6, where its network, a port of dlib's, decides between
    /// same and different people on LFW): retargeting a person's own face onto their mean shape costs little, while
    /// leaving a stranger's landmarks unmapped draws the wrong face shape, so the bound trades a few needless
    /// retargetings for fewer strangers taken for the person. Measured: a cartoon character of Megamind.avi was 0.57
    /// from the photograph of sample2.jpg, which the 0.6 threshold took for the same person.
    /// </summary>
    public const double SamePersonDistance = 0.45;

    /// <summary>
    /// Retargeting as asked for, or: on unless the driving face is clearly the person's (descriptor distance below
    /// <see cref="SamePersonDistance"/>); on when either descriptor is unavailable. Returns the decision and why.
    /// </summary>
    public static (bool Retarget, string Reason) DecideRetarget(bool? asked, Tensor? personDescriptor, Tensor? drivingDescriptor)
    {
        if (asked is bool b) return (b, "as asked");
        if (personDescriptor is null) return (true, "the person file has no face descriptor to compare with");
        if (drivingDescriptor is null) return (true, "no face recognition network to compare faces with");
        var d = FaceRecognitionNet.Distance(personDescriptor, drivingDescriptor);
        return d < SamePersonDistance
            ? (false, $"the driving face is the fine-tuned person: descriptor distance {d:F2} < {SamePersonDistance}")
            : (true, d < FaceRecognitionNet.MatchThreshold
                ? $"the driving face is not clearly the fine-tuned person: descriptor distance {d:F2} ≥ {SamePersonDistance}"
                : $"the driving face is another person: descriptor distance {d:F2} ≥ {FaceRecognitionNet.MatchThreshold}");
    }

    private (long, FaceDetection, float[,], Tensor?) FindReference(VideoSource video, string drivingPath, CancellationToken cancel)
    {
        long index = 0;
        foreach (var frame in video.Frames(0, null, cancel))
        {
            using var scope = NewDisposeScope();
            var image = frame.ToTensor();
            var face = Largest(analyzer.DetectWithLandmarks(image));
            if (face is not null)
            {
                var descriptor = recognition is null ? null : FineTuneShots.Descriptor(recognition, image, face.Detection).MoveToOuterDisposeScope();
                return (index, face.Detection, face.Landmarks, descriptor);
            }
            index++;
        }
        throw new NoFaceException(drivingPath, $"{drivingPath}: no face found in any frame; the driving video must show a face");
    }

    private static FaceResult? Largest(List<FaceResult> faces) =>
        faces.OrderByDescending(f => f.Detection.Width * f.Detection.Height).FirstOrDefault();
}
