using Microsoft.AspNetCore.Http;
using Vivify.Media;

namespace Vivify.Server;

/// <summary>
/// Uploads validated by decoding them (ffprobe, then ffmpeg decoding the first frame), never by a name or an extension,
/// and held to the server's per-job limits on resolution, frames and duration. Failures are 400 (415 for something that
/// is not a picture or video at all) with a message naming the form part, not a server path.
/// </summary>
internal static class MediaCheck
{
    public static async Task<RgbFrame> Picture(string path, string part, ServerOptions limits)
    {
        var frame = await Task.Run(() =>
        {
            try { return ImageIO.ReadFrame(path); }
            catch (VivifyException) { throw new ApiException(StatusCodes.Status415UnsupportedMediaType, $"{part}: not a picture that can be decoded; upload a png, jpg, bmp or webp"); }
        });
        if (frame.Width > limits.MaxSide || frame.Height > limits.MaxSide)
            throw new ApiException(StatusCodes.Status400BadRequest, $"{part}: {frame.Width}x{frame.Height} is larger than this server's {limits.MaxSide} pixels a side; scale it down");
        return frame;
    }

    public static async Task<MediaInfo> Video(string path, string part, ServerOptions limits) => await Task.Run(() =>
    {
        MediaInfo info;
        try
        {
            var video = VideoSource.Open(path);
            info = video.Info;
            using var frames = video.Frames(0, 1).GetEnumerator();
            if (!frames.MoveNext()) throw new VivifyException("no frame");
        }
        catch (VivifyException)
        {
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, $"{part}: not a video that can be decoded; upload an mp4, webm, mov, avi or mkv");
        }
        if (info.Width > limits.MaxSide || info.Height > limits.MaxSide)
            throw new ApiException(StatusCodes.Status400BadRequest, $"{part}: {info.Width}x{info.Height} is larger than this server's {limits.MaxSide} pixels a side; scale it down");
        if (info.FrameCount > limits.MaxFrames)
            throw new ApiException(StatusCodes.Status400BadRequest, $"{part}: {info.FrameCount} frames is more than this server's {limits.MaxFrames} per job; cut it shorter");
        if (info.DurationSeconds > limits.MaxDurationSeconds)
            throw new ApiException(StatusCodes.Status400BadRequest, $"{part}: {info.DurationSeconds:0.#} s is longer than this server's {limits.MaxDurationSeconds:0.#} s per job; cut it shorter");
        return info;
    });
}
