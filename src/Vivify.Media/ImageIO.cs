using static TorchSharp.torch;

namespace Vivify.Media;

/// <summary>Reads pictures (png, jpg, bmp, webp, gif's first frame, …) and writes png/jpg, through ffmpeg's rgb24 pipes.</summary>
public static class ImageIO
{
    /// <summary>The picture as float32 [3,H,W] in [0,1]; the caller disposes it.</summary>
    public static Tensor Read(string path)
    {
        var f = ReadFrame(path);
        return f.ToTensor();
    }

    public static RgbFrame ReadFrame(string path)
    {
        InputPath.RequireReadableFile(path, "an image");
        MediaInfo info;
        try { info = MediaProbe.Probe(path); }
        catch (VivifyException e) when (e.Message.StartsWith(path + ":", StringComparison.Ordinal))
        {
            throw new InvalidInputException(path, $"{path}: not an image ffmpeg can read; give a png, jpg, bmp, webp or gif", e);
        }
        using var p = FfmpegProcess.Start(FfmpegTools.Ffmpeg,
            ["-nostdin", "-v", "error", "-i", InputPath.ForFfmpeg(path), "-map", "0:v:0", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
            writeStdin: false);
        var data = new byte[info.Width * info.Height * 3];
        var got = ReadFull(p.Stdout, data);
        var code = p.Finish();
        if (code != 0 || got != data.Length)
            throw new InvalidInputException(path, $"{path}: not an image ffmpeg can decode ({p.LastError()}); give a png, jpg, bmp, webp or gif");
        return new RgbFrame(info.Width, info.Height, data);
    }

    /// <summary>Writes [3,H,W] in [0,1] as .png (lossless) or .jpg/.jpeg (quality 2 of ffmpeg's 2–31 scale), atomically.</summary>
    public static void Write(string path, Tensor image) => Write(path, RgbFrame.FromTensor(image));

    public static void Write(string path, RgbFrame frame)
    {
        var codec = Codec(path);
        using var output = AtomicOutput.ForFile(path);
        using var p = FfmpegProcess.Start(FfmpegTools.Ffmpeg,
            ["-nostdin", "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{frame.Width}x{frame.Height}", "-i", "pipe:0",
             "-frames:v", "1", .. codec, "-f", "image2", "-update", "1", InputPath.ForFfmpeg(output.TempPath)],
            writeStdin: true);
        try { p.Stdin.Write(frame.Data); } catch (IOException) { }
        if (p.Finish() != 0) throw new InvalidOutputException(path, $"{path}: ffmpeg could not write it ({p.LastError()}); choose a writable output path");
        output.Commit();
    }

    /// <summary>Fails (<see cref="OutputConflictException"/>) for a name no picture can be written under.</summary>
    internal static void CheckTarget(string path) => Codec(path);

    private static string[] Codec(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".png" => ["-c:v", "png", "-pix_fmt", "rgb24"],
            ".jpg" or ".jpeg" => ["-c:v", "mjpeg", "-pix_fmt", "yuvj444p", "-q:v", "2"],
            _ => throw new OutputConflictException(path, $"{path}: cannot write '{ext}' images; use .png or .jpg"),
        };
    }

    internal static int ReadFull(Stream s, byte[] buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            var n = s.Read(buffer, total, buffer.Length - total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
