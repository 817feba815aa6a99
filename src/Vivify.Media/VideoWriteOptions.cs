namespace Vivify.Media;

/// <summary>How <see cref="VideoWriter"/> encodes.</summary>
public sealed record VideoWriteOptions
{
    /// <summary>Frames per second (a number or ffmpeg rational text such as "30000/1001").</summary>
    public string FrameRate { get; init; } = "25";

    /// <summary>A file whose first audio track is muxed into mp4/mov/mkv output (e.g. the driving video); none when null or when it has no audio.</summary>
    public string? AudioFrom { get; init; }

    /// <summary>
    /// What a probe of <see cref="AudioFrom"/> found, when the caller already has it (a driving video's
    /// <see cref="VideoSource.Info"/>): the writer then does not run ffprobe on it again. Ignored for another path.
    /// </summary>
    public MediaInfo? AudioFromInfo { get; init; }

    /// <summary>Where in <see cref="AudioFrom"/> the audio starts (when the video starts at a later frame).</summary>
    public TimeSpan AudioOffset { get; init; }

    /// <summary>
    /// The video whose frames are written, from its frame <see cref="TimingFromFrame"/> on, when the output should keep
    /// that video's timing. Where its frames are spaced unevenly (<see cref="MediaInfo.VariableFrameRate"/>: a camera's
    /// recording with stalls), each frame fills as many frames of the output's constant rate as the time it is shown
    /// covers: held through a pause, left out where it is shown for less than half an output frame, so that the motion
    /// keeps its pace and the audio stays in sync. Evenly spaced videos, and PNG folders, get one output frame for each.
    /// </summary>
    public MediaInfo? TimingFrom { get; init; }

    /// <summary>The frame of <see cref="TimingFrom"/> that the first frame written is.</summary>
    public long TimingFromFrame { get; init; }

    /// <summary>libx264 constant rate factor (0 lossless … 51); 18 is visually lossless.</summary>
    public int Crf { get; init; } = 18;

    /// <summary>libx264 preset (ultrafast … veryslow).</summary>
    public string Preset { get; init; } = "medium";
}
