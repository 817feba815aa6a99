using System.Buffers.Binary;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Vivify.Media;
using Vivify.Server.Jobs;

namespace Vivify.Server.Animate;

/// <summary>
/// GET /api/jobs/ID/preview: the latest frame a job finished, while it runs and after (204 before the first), as an
/// uncompressed BMP: encoding it is a copy, so a page asking about once a second costs the running job nothing.
/// </summary>
internal static class Previews
{
    public static void Map(WebApplication app, JobQueue queue) =>
        app.MapGet("/api/jobs/{id}/preview", (HttpContext context, string id) =>
        {
            var job = queue.Find(id) ?? throw new ApiException(StatusCodes.Status404NotFound, "no such job (finished jobs are kept for a while, then removed)");
            context.Response.Headers.CacheControl = "no-store";
            return job.LatestFrame is { } frame ? Results.Bytes(Bmp(frame), "image/bmp") : Results.NoContent();
        });

    /// <summary>A 24-bit top-down BMP of <paramref name="frame"/> (rows padded to 4 bytes, pixels as B, G, R).</summary>
    internal static byte[] Bmp(RgbFrame frame)
    {
        const int header = 54;
        var row = (frame.Width * 3 + 3) & ~3;
        var bytes = new byte[header + row * frame.Height];
        var span = bytes.AsSpan();
        span[0] = (byte)'B';
        span[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(span[2..], bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[10..], header);
        BinaryPrimitives.WriteInt32LittleEndian(span[14..], 40);
        BinaryPrimitives.WriteInt32LittleEndian(span[18..], frame.Width);
        BinaryPrimitives.WriteInt32LittleEndian(span[22..], -frame.Height); // negative: rows top to bottom
        BinaryPrimitives.WriteInt16LittleEndian(span[26..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(span[28..], 24);
        BinaryPrimitives.WriteInt32LittleEndian(span[34..], row * frame.Height);
        var rgb = frame.Data;
        for (var y = 0; y < frame.Height; y++)
        {
            int from = y * frame.Width * 3, to = header + y * row;
            for (var x = 0; x < frame.Width; x++, from += 3, to += 3)
            {
                bytes[to] = rgb[from + 2];
                bytes[to + 1] = rgb[from + 1];
                bytes[to + 2] = rgb[from];
            }
        }
        return bytes;
    }
}
