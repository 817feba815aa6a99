using System.CommandLine;
using System.Globalization;
using Vivify.Media;

namespace Vivify.Cli.Commands;

/// <summary>`vivify media probe FILE|DIR`: size, frame rate, frames, duration, audio.</summary>
public static class MediaProbeCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "A picture, a video, or a directory of numbered frames" };
        var fps = new Option<double>("--fps") { Description = "Frame rate of a directory of frames", DefaultValueFactory = _ => 25 };
        var count = new Option<bool>("--count-frames") { Description = "Decode the whole video to count the frames that decode (slow); without it the frames present are counted, which is fast" };
        var cmd = new Command("probe", "Show a picture's or video's size, frame rate, frame count, duration and audio") { input, fps, count };
        cmd.SetAction(parse =>
        {
            var path = parse.GetValue(input)!;
            var o = parse.InvocationConfiguration.Output;
            var isDir = Directory.Exists(path);
            var info = isDir ? VideoSource.Open(path, parse.GetValue(fps)).Info : MediaProbe.Probe(path);
            var still = !isDir && InputPath.IsStill(path);
            var inv = CultureInfo.InvariantCulture;
            o.WriteLine($"{"path",-10} {path}");
            o.WriteLine($"{"kind",-10} {(isDir ? "frames (directory)" : still ? "image" : "video")}");
            o.WriteLine($"{"size",-10} {info.Width}x{info.Height}");
            o.WriteLine($"{"codec",-10} {info.Codec}");
            if (!still)
            {
                o.WriteLine($"{"fps",-10} {info.Fps.ToString("0.###", inv)} ({info.FrameRate}){(info.VariableFrameRate ? ", the average: the frames are spaced unevenly" : "")}");
                o.WriteLine($"{"frames",-10} {(isDir ? info.FrameCount.ToString(inv) : Frames(info, parse.GetValue(count)))}");
                o.WriteLine($"{"duration",-10} {info.DurationSeconds.ToString("0.###", inv)} s");
                o.WriteLine($"{"audio",-10} {(info.Audio is { } a ? $"{a.Codec}, {a.SampleRate} Hz, {a.Channels} channel{(a.Channels == 1 ? "" : "s")}" : "none")}");
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// The frame count, checked against the file: a video cut short announces more frames than it holds. Packets are
    /// counted (demuxing only; already done where the container announces no count); with <paramref name="decode"/>,
    /// frames are decoded and counted.
    /// </summary>
    private static string Frames(MediaInfo info, bool decode)
    {
        var (path, announced) = (info.Path, info.FrameCount);
        var inv = CultureInfo.InvariantCulture;
        if (decode)
        {
            var decodable = MediaProbe.CountDecodableFrames(path);
            return decodable < announced
                ? string.Create(inv, $"{decodable} decodable, of the {announced} the container announces (truncated or damaged)")
                : string.Create(inv, $"{decodable} decodable");
        }
        return MediaProbe.PacketsShortOfHeader(info) is { } present
            ? string.Create(inv, $"{announced} announced, only {present} in the file (truncated or damaged; --count-frames counts those that decode)")
            : announced.ToString(inv);
    }
}
