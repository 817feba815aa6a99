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

    /// <summary>
    /// The picture's pixels (its first frame for an animation or a video), turned upright as its metadata says. One
    /// ffmpeg process decodes it to PPM, whose header gives the size (no ffprobe run first).
    /// </summary>
    public static RgbFrame ReadFrame(string path)
    {
        InputPath.RequireReadableFile(path, "an image");
        var ffmpeg = FfmpegTools.Ffmpeg; // a missing ffmpeg is not the file's fault
        using var p = FfmpegProcess.Start(ffmpeg,
            ["-nostdin", "-v", "error", "-i", InputPath.ForFfmpeg(path), "-map", "0:v:0", "-frames:v", "1",
             "-f", "image2pipe", "-c:v", "ppm", "-pix_fmt", "rgb24", "pipe:1"],
            writeStdin: false);
        var size = PpmSize(p.Stdout);
        byte[]? data = null;
        var got = 0;
        if (size is var (w, h))
        {
            data = new byte[w * h * 3];
            got = ReadFull(p.Stdout, data);
        }
        var code = p.Finish();
        if (code != 0 || size is null || got != data!.Length)
        {
            var error = p.LastError();
            if (error.Contains("matches no streams", StringComparison.Ordinal))
                throw new InvalidInputException(path, $"{path}: has no picture (no video stream); give an image or a video");
            throw new InvalidInputException(path, $"{path}: not an image ffmpeg can read; give a png, jpg, bmp, webp or gif");
        }
        return new RgbFrame(size.Value.Width, size.Value.Height, data);
    }

    /// <summary>The width and height of a binary PPM header ("P6 W H 255" and one whitespace), or null when it is not one Vivify can hold.</summary>
    private static (int Width, int Height)? PpmSize(Stream s)
    {
        var fields = new long[3];
        if (s.ReadByte() != 'P' || s.ReadByte() != '6') return null;
        var c = s.ReadByte();
        for (var i = 0; i < 3; i++)
        {
            while (c is ' ' or '\n' or '\r' or '\t') c = s.ReadByte();
            if (c is < '0' or > '9') return null;
            long v = 0;
            for (var digits = 0; c is >= '0' and <= '9'; digits++, c = s.ReadByte())
            {
                if (digits >= 9) return null;
                v = v * 10 + (c - '0');
            }
            fields[i] = v;
        }
        // c is the single whitespace that ends the header
        if (c is not (' ' or '\n' or '\r' or '\t') || fields[2] != 255) return null;
        var (w, h) = (fields[0], fields[1]);
        return w > 0 && h > 0 && w * h * 3 <= Array.MaxLength ? ((int)w, (int)h) : null;
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
