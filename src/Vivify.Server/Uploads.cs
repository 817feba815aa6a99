using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Vivify.Server;

/// <summary>A multipart form as the server keeps it: fields as text, files at paths the server chose.</summary>
internal sealed record UploadedForm(IReadOnlyDictionary<string, string> Fields, IReadOnlyDictionary<string, string> Files);

/// <summary>
/// Reads a multipart/form-data body straight to disk, one part at a time: each expected file part goes to
/// FOLDER/PARTNAME (the part's name from a fixed list, never the client's file name or path), cut off with 413 past
/// the size limit; short text fields are kept in memory. Nothing is buffered elsewhere (ASP.NET's own form reading
/// would spool files into the system's temp folder first).
/// </summary>
internal static class Uploads
{
    private const int MaxFieldBytes = 256;
    private const int MaxParts = 16;

    public static async Task<UploadedForm> ReadAsync(HttpRequest request, string folder, IReadOnlyCollection<string> fileParts,
                                                     IReadOnlyCollection<string> fieldNames, long maxFileBytes, CancellationToken cancel)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, "send the files as multipart/form-data");
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
            throw new ApiException(StatusCodes.Status400BadRequest, "the multipart body has no usable boundary");
        if (request.ContentLength is long length && length > maxFileBytes * fileParts.Count + 64 * 1024)
            throw TooLarge(maxFileBytes);

        // Part sizes are limited by CopyLimited (413), not by the reader's default of 128 MB (which would say 400).
        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024, BodyLengthLimit = null };
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var parts = 0;
        MultipartSection? section;
        while ((section = await ReadSection(reader, cancel)) is not null)
        {
            if (++parts > MaxParts) throw new ApiException(StatusCodes.Status400BadRequest, "too many parts in the form");
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                throw new ApiException(StatusCodes.Status400BadRequest, "a form part has no Content-Disposition: form-data");
            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            if (disposition.IsFileDisposition() || fileParts.Contains(name))
            {
                var part = fileParts.FirstOrDefault(p => p == name)
                    ?? throw new ApiException(StatusCodes.Status400BadRequest, $"unexpected file part '{Printable(name)}'; send {string.Join(", ", fileParts)}");
                if (files.ContainsKey(part)) throw new ApiException(StatusCodes.Status400BadRequest, $"'{part}' was sent twice");
                var path = Path.Combine(folder, part);
                files[part] = path;
                await CopyLimited(section.Body, path, maxFileBytes, cancel);
            }
            else
            {
                var field = fieldNames.FirstOrDefault(f => f == name)
                    ?? throw new ApiException(StatusCodes.Status400BadRequest, $"unexpected field '{Printable(name)}'");
                fields[field] = await ReadText(section.Body, field, cancel);
            }
        }
        return new UploadedForm(fields, files);
    }

    private static async Task<MultipartSection?> ReadSection(MultipartReader reader, CancellationToken cancel)
    {
        try { return await reader.ReadNextSectionAsync(cancel); }
        catch (InvalidDataException) { throw new ApiException(StatusCodes.Status400BadRequest, "the multipart body is malformed"); }
        catch (IOException e) when (e.InnerException is null && !cancel.IsCancellationRequested && e.Message.Contains("end of the stream", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(StatusCodes.Status400BadRequest, "the multipart body ends early");
        }
    }

    private static async Task CopyLimited(Stream body, string path, long max, CancellationToken cancel)
    {
        var buffer = new byte[81920];
        long total = 0;
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        int n;
        while ((n = await ReadBody(body, buffer, 0, cancel)) > 0)
        {
            total += n;
            if (total > max) throw TooLarge(max);
            await file.WriteAsync(buffer.AsMemory(0, n), cancel);
        }
        if (total == 0) throw new ApiException(StatusCodes.Status400BadRequest, $"the file '{Path.GetFileName(path)}' is empty");
    }

    private static async Task<int> ReadBody(Stream body, byte[] buffer, int offset, CancellationToken cancel)
    {
        try { return await body.ReadAsync(buffer.AsMemory(offset), cancel); }
        catch (InvalidDataException) { throw new ApiException(StatusCodes.Status400BadRequest, "the multipart body is malformed"); }
    }

    private static async Task<string> ReadText(Stream body, string field, CancellationToken cancel)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var total = 0;
        int n;
        while (total < buffer.Length && (n = await ReadBody(body, buffer, total, cancel)) > 0) total += n;
        if (total > MaxFieldBytes) throw new ApiException(StatusCodes.Status400BadRequest, $"the field '{field}' is too long");
        return Encoding.UTF8.GetString(buffer, 0, total).Trim();
    }

    private static ApiException TooLarge(long max) =>
        new(StatusCodes.Status413PayloadTooLarge, $"a file is larger than this server accepts ({max / (1024.0 * 1024):0.#} MB)");

    private static string Printable(string s) => new(s.Take(40).Where(c => !char.IsControl(c)).ToArray());
}
