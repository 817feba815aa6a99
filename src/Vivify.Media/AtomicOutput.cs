namespace Vivify.Media;

/// <summary>
/// Writes an output under a temporary name beside its target (same directory, so the final rename is
/// atomic) and renames it at <see cref="Commit"/>; disposing without commit (failure, Ctrl-C) deletes
/// it, so no partial output is ever left. For a directory (PNG sequence) the temporary is a directory.
/// While an <see cref="OutputPlan"/> is open, <see cref="Commit"/> hands the finished temporary to the plan, which
/// puts all of a command's outputs in place together (or removes them all).
/// </summary>
public sealed class AtomicOutput : IDisposable
{
    private bool _committed;
    private bool _held;

    private AtomicOutput(string target, string temp, bool isDirectory)
    {
        Target = target; TempPath = temp; IsDirectory = isDirectory;
    }

    public string Target { get; }
    public string TempPath { get; }
    public bool IsDirectory { get; }

    public static AtomicOutput ForFile(string target) => Create(target, false);
    public static AtomicOutput ForDirectory(string target) => Create(target, true);

    private static AtomicOutput Create(string target, bool isDirectory)
    {
        var full = FullPath(target);
        var parent = RequireFolder(target);
        OutputPlan.Current?.RequireNotAnInput(target);
        if (isDirectory) RequireReplaceableDirectory(target, full);
        else if (Directory.Exists(full)) throw new InvalidOutputException(target, $"{target}: is a directory; give a file name for the output");
        var name = Path.GetFileName(full);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var temp = Path.Combine(parent, $".{Path.GetFileNameWithoutExtension(name)}.vivify-tmp-{tag}{Path.GetExtension(name)}");
        try
        {
            if (isDirectory) Directory.CreateDirectory(temp);
            else File.Create(temp).Dispose();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new InvalidOutputException(target, $"{target}: cannot write there ({e.Message}); choose a writable output path");
        }
        return new AtomicOutput(target, temp, isDirectory);
    }

    internal static string FullPath(string target) => Path.GetFullPath(target.TrimEnd('/', '\\') is { Length: > 0 } t ? t : target);

    /// <summary>The existing directory an output goes into; a missing one, or a file in its place, is a one-line error.</summary>
    internal static string RequireFolder(string target)
    {
        var parent = Path.GetDirectoryName(FullPath(target)) ?? "/";
        if (!Directory.Exists(parent))
            throw new InvalidOutputException(target, File.Exists(parent)
                ? $"{target}: cannot write there, {parent} is a file; choose another output path"
                : $"{target}: cannot write there, the directory {parent} does not exist; create it or choose another output path");
        return parent;
    }

    /// <summary>A PNG-sequence target may replace an empty directory or an earlier sequence, never other files.</summary>
    internal static void RequireReplaceableDirectory(string target, string full)
    {
        if (File.Exists(full)) throw new InvalidOutputException(target, $"{target}: is a file; give a directory name for the PNG frames");
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any(e => !IsSequenceFrame(e)))
            throw new InvalidOutputException(target, $"{target}: the directory holds other files; empty it or choose another output path");
    }

    private static bool IsSequenceFrame(string path) =>
        File.Exists(path) && System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(path), @"^\d{5,}\.png$");

    /// <summary>Moves the finished output into place (replacing an earlier one), or, inside an <see cref="OutputPlan"/>, hands it to the plan.</summary>
    public void Commit()
    {
        if (_committed || _held) return;
        if (OutputPlan.Current is { } plan && plan.Hold(this))
        {
            _held = true;
            return;
        }
        CommitNow();
    }

    internal void CommitNow()
    {
        var full = FullPath(Target);
        try
        {
            if (IsDirectory)
            {
                if (Directory.Exists(full))
                {
                    RequireReplaceableDirectory(Target, full);
                    Directory.Delete(full, recursive: true);
                }
                Directory.Move(TempPath, full);
            }
            else File.Move(TempPath, full, overwrite: true);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new InvalidOutputException(Target, $"{Target}: cannot put the output in place ({e.Message}); choose a writable output path");
        }
        _committed = true;
    }

    /// <summary>Removes the temporary (a plan's rollback).</summary>
    internal void Discard()
    {
        try
        {
            if (IsDirectory) { if (Directory.Exists(TempPath)) Directory.Delete(TempPath, recursive: true); }
            else File.Delete(TempPath);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException) { }
    }

    public void Dispose()
    {
        if (_committed || _held) return;
        Discard();
    }
}
