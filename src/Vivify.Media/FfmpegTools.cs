namespace Vivify.Media;

/// <summary>
/// Finds ffmpeg and ffprobe: VIVIFY_FFMPEG / VIVIFY_FFPROBE when set (ffprobe otherwise beside
/// VIVIFY_FFMPEG's ffmpeg), else on PATH. A missing tool is a one-line <see cref="MissingDependencyException"/>.
/// </summary>
public static class FfmpegTools
{
    public const string InstallHint = "install it with: sudo apt-get install ffmpeg";

    public static string Ffmpeg => Resolve("ffmpeg", Environment.GetEnvironmentVariable("VIVIFY_FFMPEG"), "VIVIFY_FFMPEG");

    public static string Ffprobe
    {
        get
        {
            var explicitProbe = Environment.GetEnvironmentVariable("VIVIFY_FFPROBE");
            if (!string.IsNullOrEmpty(explicitProbe)) return Resolve("ffprobe", explicitProbe, "VIVIFY_FFPROBE");
            var ff = Environment.GetEnvironmentVariable("VIVIFY_FFMPEG");
            if (!string.IsNullOrEmpty(ff))
            {
                var dir = Path.GetDirectoryName(ff);
                var name = Path.GetFileName(ff).Replace("ffmpeg", "ffprobe");
                var derived = string.IsNullOrEmpty(dir) ? name : Path.Combine(dir, name);
                return Resolve("ffprobe", derived, "VIVIFY_FFMPEG (ffprobe beside it)");
            }
            return Resolve("ffprobe", null, null);
        }
    }

    internal static string Resolve(string tool, string? configured, string? source)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            var found = configured.Contains('/') ? (IsExecutable(configured) ? Path.GetFullPath(configured) : null) : OnPath(configured);
            return found ?? throw new MissingDependencyException(tool, $"{tool} not found at '{configured}' (from {source}): fix that variable, or unset it and {InstallHint}");
        }
        return OnPath(tool) ?? throw new MissingDependencyException(tool, $"{tool} not found on PATH: {InstallHint}");
    }

    internal static string? OnPath(string name, string? pathVariable = null)
    {
        foreach (var dir in (pathVariable ?? Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var p = Path.Combine(dir, name);
            if (IsExecutable(p)) return p;
        }
        return null;
    }

    private static bool IsExecutable(string path)
    {
        if (!File.Exists(path)) return false;
        if (OperatingSystem.IsWindows()) return true;
        return (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }
}
