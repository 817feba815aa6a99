using System.Diagnostics;

namespace Vivify.TestSupport;

/// <summary>
/// Runs a .NET program as an MPI job on this machine: <c>mpirun --oversubscribe -np N dotnet DLL ARGS</c>, one
/// thread per rank (OMP_NUM_THREADS=1), as root with Open MPI's --allow-run-as-root. <see cref="Path"/> is null where
/// Open MPI is not installed (the tests that need it are skipped, saying so; make test installs it).
/// </summary>
public static class MpiRun
{
    public static string? Path { get; } = Find();

    /// <summary>Why a distributed test is skipped, or null when mpirun is here.</summary>
    public static string? SkipReason => Path is null ? "mpirun is not installed: apt-get install openmpi-bin libopenmpi-dev (make test installs it)" : null;

    public sealed record Result(int Code, string Out, string Err, TimeSpan Elapsed);

    /// <summary>Starts the job; <see cref="Job.Wait"/> collects it.</summary>
    public static Job Start(int ranks, string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(Path ?? throw new InvalidOperationException(SkipReason))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        if (Environment.UserName == "root") psi.ArgumentList.Add("--allow-run-as-root");
        foreach (var a in new[] { "--oversubscribe", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", dll }) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        psi.Environment["TERM"] = "dumb";
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return new Job(Process.Start(psi)!);
    }

    /// <summary>Runs the job to its end (at most <paramref name="limit"/>, then it is killed and the test fails).</summary>
    public static Result Run(int ranks, string dll, IEnumerable<string> args, TimeSpan limit, IReadOnlyDictionary<string, string>? env = null)
    {
        using var job = Start(ranks, dll, args, env);
        return job.Wait(limit);
    }

    public sealed class Job(Process process) : IDisposable
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Task<string> _out = process.StandardOutput.ReadToEndAsync();
        private readonly Task<string> _err = process.StandardError.ReadToEndAsync();

        public Process Process => process;

        /// <summary>The ranks' processes (mpirun's children, by OMPI_COMM_WORLD_RANK in their environment): rank → pid.</summary>
        public Dictionary<int, int> Ranks()
        {
            var ranks = new Dictionary<int, int>();
            foreach (var dir in Directory.GetDirectories("/proc"))
            {
                if (!int.TryParse(System.IO.Path.GetFileName(dir), out var pid)) continue;
                try
                {
                    var stat = File.ReadAllText(System.IO.Path.Combine(dir, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    if (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) != process.Id) continue;
                    var rank = File.ReadAllText(System.IO.Path.Combine(dir, "environ")).Split('\0')
                        .FirstOrDefault(e => e.StartsWith("OMPI_COMM_WORLD_RANK=", StringComparison.Ordinal));
                    if (rank is not null) ranks[int.Parse(rank["OMPI_COMM_WORLD_RANK=".Length..], System.Globalization.CultureInfo.InvariantCulture)] = pid;
                }
                catch (IOException) { } // gone meanwhile
                catch (UnauthorizedAccessException) { }
            }
            return ranks;
        }

        public Result Wait(TimeSpan limit)
        {
            if (!process.WaitForExit(limit))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                throw new TimeoutException($"mpirun did not end within {limit.TotalSeconds} s: {_err.Result}");
            }
            return new Result(process.ExitCode, _out.Result, _err.Result, _clock.Elapsed);
        }

        public void Dispose()
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.Dispose();
        }
    }

    /// <summary>Whether process <paramref name="pid"/> has ended, waiting up to 10 s (mpirun may return while its ranks are still being reaped).</summary>
    public static bool Gone(int pid)
    {
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(10); Thread.Sleep(100))
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                if (p.HasExited) return true;
            }
            catch (ArgumentException) { return true; }
        }
        return false;
    }

    private static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => System.IO.Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);
}
