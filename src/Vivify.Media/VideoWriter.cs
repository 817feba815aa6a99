using System.Globalization;
using static TorchSharp.torch;

namespace Vivify.Media;

/// <summary>
/// Writes frames, one at a time, to an H.264 mp4/mov/mkv (yuv420p, odd sizes padded to even, audio
/// muxed from <see cref="VideoWriteOptions.AudioFrom"/>), a palette-generated gif, or a directory of
/// PNGs (00000.png, 00001.png, …). Output appears only at <see cref="Complete"/>; disposing before it
/// (an error, Ctrl-C) kills ffmpeg and removes the partial output.
/// </summary>
public sealed class VideoWriter : IDisposable
{
    private enum Kind { H264, Gif, PngSequence }

    private readonly string _path;
    private readonly Kind _kind;
    private readonly VideoWriteOptions _options;
    /// <summary>The output's frames a second (<see cref="VideoWriteOptions.FrameRate"/>).</summary>
    private readonly double _rate;
    private AtomicOutput? _output;
    private FfmpegProcess? _ffmpeg;
    private int _width, _height;

    public VideoWriter(string path, VideoWriteOptions? options = null)
    {
        _path = path;
        _options = options ?? new VideoWriteOptions();
        _kind = KindOf(path);
        _rate = Rational.Parse(_options.FrameRate);
        if (!(_rate > 0)) throw new InvalidOptionException(nameof(VideoWriteOptions.FrameRate), $"frame rate '{_options.FrameRate}' must be a positive number");
        _output = _kind == Kind.PngSequence ? AtomicOutput.ForDirectory(path) : AtomicOutput.ForFile(path);
    }

    public long FramesWritten { get; private set; }

    /// <summary>Fails (<see cref="OutputConflictException"/>) for a name no video can be written under.</summary>
    internal static void CheckTarget(string path) => KindOf(path);

    /// <summary>Whether the name is taken as a directory of PNG frames.</summary>
    internal static bool IsFrameDirectory(string path) => path.EndsWith('/') || Path.GetExtension(path.TrimEnd('/')) == "" || Directory.Exists(path);

    private static Kind KindOf(string path)
    {
        var ext = Path.GetExtension(path.TrimEnd('/')).ToLowerInvariant();
        if (IsFrameDirectory(path)) return Kind.PngSequence;
        return ext switch
        {
            ".mp4" or ".mov" or ".mkv" or ".m4v" => Kind.H264,
            ".gif" => Kind.Gif,
            _ => throw new OutputConflictException(path, $"{path}: cannot write '{ext}' video; use .mp4, .mov, .mkv, .gif, or a directory name for PNG frames"),
        };
    }

    public void Write(Tensor image) => Write(RgbFrame.FromTensor(image));

    /// <summary>Starts ffmpeg for frames of this size now (the first <see cref="Write(RgbFrame)"/> does otherwise), so that its start-up overlaps the caller's work.</summary>
    public void Open(int width, int height)
    {
        ObjectDisposedException.ThrowIf(_output is null, this);
        if (_ffmpeg is null) Start(width, height);
    }

    public void Write(RgbFrame frame)
    {
        ObjectDisposedException.ThrowIf(_output is null, this);
        if (_ffmpeg is null) Start(frame.Width, frame.Height);
        else if (frame.Width != _width || frame.Height != _height)
            throw new ArgumentException($"frame {FramesWritten} is {frame.Width}x{frame.Height}, the video is {_width}x{_height}");
        var copies = Copies(FramesWritten);
        try { for (var i = 0; i < copies; i++) _ffmpeg!.Stdin.Write(frame.Data); }
        catch (IOException)
        {
            _ffmpeg!.Finish();
            throw new InvalidOutputException(_path, $"{_path}: ffmpeg stopped while writing ({_ffmpeg.LastError()}); check the output path and free disk space");
        }
        FramesWritten++;
    }

    /// <summary>
    /// How many frames of the output frame <paramref name="k"/> fills: one, or under <see cref="VideoWriteOptions.TimingFrom"/>
    /// with unevenly spaced frames, the slots of the output's constant rate between its time and the next frame's
    /// (rounded, so that the output's total stays the source's length); a pause is held for at most a minute.
    /// </summary>
    private int Copies(long k)
    {
        if (_kind == Kind.PngSequence || _options.TimingFrom is not { VariableFrameRate: true } source) return 1;
        var at = _options.TimingFromFrame + k;
        if (at + 1 >= source.FrameCount) return 1; // the last frame: one frame's time
        var origin = source.TimeOf(_options.TimingFromFrame).TotalSeconds;
        long Slot(long frame) => (long)Math.Round((source.TimeOf(frame).TotalSeconds - origin) * _rate, MidpointRounding.AwayFromZero);
        // The first frame is always written, so that a video cut to frames shown only briefly is not empty.
        return (int)Math.Clamp(Slot(at + 1) - Slot(at), k == 0 ? 1 : 0, Math.Ceiling(60 * _rate));
    }

    /// <summary>Finishes encoding and moves the output into place.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_output is null, this);
        if (_ffmpeg is null) throw new InvalidOutputException(_path, $"{_path}: no frames to write; the input had none");
        var code = _ffmpeg.Finish();
        if (code != 0) throw new InvalidOutputException(_path, $"{_path}: ffmpeg could not write it ({_ffmpeg.LastError()}); check the output path and free disk space");
        _output.Commit();
        Dispose();
    }

    private void Start(int w, int h)
    {
        _width = w; _height = h;
        var args = new List<string> { "-nostdin", "-y", "-v", "error",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{w}x{h}", "-framerate", _options.FrameRate, "-i", "pipe:0" };
        switch (_kind)
        {
            case Kind.H264:
                var audio = AudioSource();
                if (audio is not null)
                {
                    if (_options.AudioOffset > TimeSpan.Zero) args.AddRange(["-ss", _options.AudioOffset.TotalSeconds.ToString("0.######", CultureInfo.InvariantCulture)]);
                    args.AddRange(["-i", InputPath.ForFfmpeg(audio)]);
                }
                args.AddRange(["-map", "0:v:0"]);
                if (audio is not null) args.AddRange(["-map", "1:a:0", "-c:a", "aac", "-b:a", "192k", "-shortest"]);
                args.AddRange(["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-preset", _options.Preset,
                    "-crf", _options.Crf.ToString(CultureInfo.InvariantCulture), "-pix_fmt", "yuv420p"]);
                var fmt = Path.GetExtension(_path).ToLowerInvariant() switch { ".mkv" => "matroska", ".mov" => "mov", _ => "mp4" };
                if (fmt != "matroska") args.AddRange(["-movflags", "+faststart"]);
                args.AddRange(["-f", fmt, InputPath.ForFfmpeg(_output!.TempPath)]);
                break;
            case Kind.Gif:
                args.AddRange(["-filter_complex", "[0:v]split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a",
                    "-loop", "0", "-f", "gif", InputPath.ForFfmpeg(_output!.TempPath)]);
                break;
            case Kind.PngSequence:
                args.AddRange(["-c:v", "png", "-start_number", "0", "-f", "image2", InputPath.ForFfmpeg(Path.Combine(_output!.TempPath, "%05d.png"))]);
                break;
        }
        _ffmpeg = FfmpegProcess.Start(FfmpegTools.Ffmpeg, args, writeStdin: true);
    }

    private string? AudioSource()
    {
        if (_options.AudioFrom is not { } src) return null;
        var info = _options.AudioFromInfo is { } known && known.Path == src ? known : MediaProbe.Probe(src);
        return info.Audio is null ? null : src;
    }

    public void Dispose()
    {
        _ffmpeg?.Dispose();
        _ffmpeg = null;
        _output?.Dispose();
        _output = null;
    }
}
