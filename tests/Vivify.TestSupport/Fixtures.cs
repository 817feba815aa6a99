namespace Vivify.TestSupport;

/// <summary>
/// Locates the parity fixtures: VIVIFY_FIXTURES when set (another folder with the same layout and file names),
/// else the repository's own tests/fixtures.
/// </summary>
public static class Fixtures
{
    public static string Root { get; } = Resolve();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>
    /// A file of tests/references: exact (float64) results of the published code on a fixture's inputs, made by the
    /// scripts there. They belong to this repository, not to the shared fixture set, so VIVIFY_FIXTURES does not move them.
    /// </summary>
    public static string Reference(params string[] parts) => System.IO.Path.Combine([RepoRoot, "tests", "references", .. parts]);

    /// <summary>The repository root (the folder holding Vivify.slnx).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    private static string Resolve()
    {
        var env = Environment.GetEnvironmentVariable("VIVIFY_FIXTURES");
        var dir = !string.IsNullOrEmpty(env) ? env : System.IO.Path.Combine(FindRepoRoot(), "tests", "fixtures");
        dir = System.IO.Path.GetFullPath(dir);
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"parity fixtures not found at {dir}: set VIVIFY_FIXTURES to the fixtures folder");
        return dir;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Vivify.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("repository root (Vivify.slnx) not found above " + AppContext.BaseDirectory);
    }
}
