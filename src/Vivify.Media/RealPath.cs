namespace Vivify.Media;

/// <summary>
/// A path as the file system resolves it (realpath(3)): absolute, every symbolic link followed, "." and ".." taken
/// as they are met (after the links before them). The part that does not exist yet is kept as written, so the real
/// place of an output still to be made is known too.
/// </summary>
public static class RealPath
{
    private const int MaxLinks = 40; // as Linux's ELOOP bound

    public static string Of(string path)
    {
        var pending = new Stack<string>();
        Push(pending, path);
        var current = Path.IsPathRooted(path) ? "/" : Directory.GetCurrentDirectory();
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part is "" or ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }
            var next = Path.Join(current, part);
            if (links < MaxLinks && LinkTarget(next) is { } target)
            {
                links++;
                if (Path.IsPathRooted(target)) current = "/";
                Push(pending, target);
                continue;
            }
            current = next;
        }
        return current;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or lies inside it (both real paths).</summary>
    public static bool IsSameOrInside(string path, string folder) =>
        path == folder || folder == "/" || path.StartsWith(folder + "/", StringComparison.Ordinal);

    private static string? LinkTarget(string path)
    {
        try { return new FileInfo(path).LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Pushes the parts of a path so that its first part is popped first.</summary>
    private static void Push(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }
}
