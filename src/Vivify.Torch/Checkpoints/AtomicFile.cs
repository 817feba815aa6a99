namespace Vivify.Torch.Checkpoints;

/// <summary>
/// Writes a file so that readers never see half of it: the content goes to a temporary file beside
/// the target, is flushed to disk, then renamed over the target; on failure the temporary is deleted.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(dir)) throw new InvalidOutputException(path, $"{path}: folder {dir} does not exist; create it first");
        var tmp = full + ".tmp-" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e)
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            if (e is IOException or UnauthorizedAccessException)
                throw new InvalidOutputException(path, $"{path}: cannot write ({e.Message}); check the path and free disk space", e);
            throw;
        }
    }
}
