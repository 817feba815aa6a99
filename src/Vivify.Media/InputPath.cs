namespace Vivify.Media;

/// <summary>Checks an input path before ffmpeg sees it, so a missing or unreadable file gets a clear message.</summary>
public static class InputPath
{
    public static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif", ".tif", ".tiff"];

    /// <summary>A single picture by its extension (a gif counts as a video).</summary>
    public static bool IsStill(string path) => IsImageFile(path) && !path.EndsWith(".gif", StringComparison.OrdinalIgnoreCase);

    internal static void RequireReadableFile(string path, string what)
    {
        if (Directory.Exists(path))
            throw new InvalidInputException(path, $"{path}: is a directory, not {what}; give a file");
        if (!File.Exists(path))
            throw new InvalidInputException(path, $"{path}: no such file; check the path ({what} expected)");
        try
        {
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            if (s.Length == 0) throw new InvalidInputException(path, $"{path}: the file is empty, not {what}; give another file");
        }
        catch (UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"{path}: cannot read it (permission denied); check its permissions");
        }
        catch (IOException e)
        {
            throw new InvalidInputException(path, $"{path}: cannot read it ({e.Message}); check the file");
        }
    }

    /// <summary>ffmpeg's name for a local file: the file: protocol keeps names with ':' or a leading '-' literal.</summary>
    internal static string ForFfmpeg(string path) => "file:" + Path.GetFullPath(path);

    public static bool IsImageFile(string path) => ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());
}
