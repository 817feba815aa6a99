using System.CommandLine;
using Vivify.Cli.Commands;

namespace Vivify.Cli;

/// <summary>The `vivify` command: global options, subcommands, and one error policy for all of them.</summary>
public static class Cli
{
    public static readonly Option<int?> Threads = new("--threads") { Description = "Threads for tensor work (default: all cores)", Recursive = true };
    public static readonly Option<string> Device = new("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu", Recursive = true };
    public static readonly Option<long?> Seed = new("--seed") { Description = "Random seed for reproducible runs", Recursive = true };
    public static readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "Print only errors", Recursive = true };
    public static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Print more, and stack traces on errors", Recursive = true };

    public static RootCommand Build()
    {
        var root = new RootCommand("Vivify brings still images to life: motion transfer, talking heads, keyframe stylization.");
        foreach (var o in new Option[] { Threads, Device, Seed, Quiet, Verbose }) root.Options.Add(o);
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(MediaCommand.Create());
        root.Subcommands.Add(CheckpointCommand.Create());
        root.Subcommands.Add(AnimateCommand.Create());
        root.Subcommands.Add(MotionCommand.Create());
        root.Subcommands.Add(StylizeCommand.Create());
        root.Subcommands.Add(FacesCommand.Create());
        root.Subcommands.Add(HeadsCommand.Create());
        return root;
    }

    /// <summary>Parses and runs; <paramref name="cancel"/> (Ctrl-C in Program) stops the work cleanly with exit code 130.</summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, CancellationToken cancel = default)
    {
        var root = Build();
        var parse = root.Parse(args);
        var config = new InvocationConfiguration
        {
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // Program's Interrupt owns SIGINT/SIGTERM
            Output = stdout ?? Console.Out,
            Error = stderr ?? new TerminalErrors(Console.Error),
        };
        var err = config.Error;
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) err.WriteLine($"vivify: {ParseErrors.Describe(e)}");
            err.WriteLine("vivify: run 'vivify --help' for usage.");
            return 2;
        }
        // Inputs used although damaged (a truncated video) are said, one line each.
        using var warnings = Vivify.Media.MediaWarnings.To(w => { if (!parse.GetValue(Quiet)) lock (err) err.WriteLine($"vivify: warning: {w}"); });
        try
        {
            return parse.InvokeAsync(config, cancel).GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            var verbose = parse.GetValue(Verbose);
            var inner = ex is System.Reflection.TargetInvocationException { InnerException: { } ie } ? ie : ex;
            // Ctrl-C from a terminal also reaches the ffmpeg children, whose early exit may surface as an
            // error a moment before our own signal handler has cancelled: give it that moment.
            if (inner is OperationCanceledException || cancel.IsCancellationRequested || (cancel.CanBeCanceled && cancel.WaitHandle.WaitOne(200)))
            {
                err.WriteLine(ResumeOption.IsOn(parse.CommandResult.Command)
                    ? "vivify: interrupted; unfinished outputs were removed (what was saved is kept: continue with --resume)."
                    : "vivify: interrupted; unfinished outputs were removed.");
                return 130;
            }
            if (inner is VivifyException ve)
            {
                err.WriteLine($"vivify: {ve.Message}");
                if (verbose) err.WriteLine(ve);
                return ve.ExitCode;
            }
            err.WriteLine($"vivify: unexpected error: {inner.Message}");
            err.WriteLine(verbose ? inner.ToString() : "vivify: run again with --verbose for details, and report it if it persists.");
            return 1;
        }
    }

    /// <summary>For commands that compute on the CPU only: a --device other than cpu is refused rather than ignored.</summary>
    public static void RequireCpu(ParseResult parse, string command)
    {
        var device = parse.GetValue(Device) ?? "cpu";
        if (device != "cpu") throw new UsageException($"{command} runs on the CPU in this version; drop --device {device}");
    }

    /// <summary>Applies --threads, --seed and --device to TorchSharp before a command's work.</summary>
    public static void ApplyGlobals(ParseResult parse)
    {
        if (parse.GetValue(Threads) is int t)
        {
            if (t < 1) throw new UsageException("--threads must be at least 1");
            TorchSharp.torch.set_num_threads(t);
        }
        if (parse.GetValue(Seed) is long s) TorchSharp.torch.manual_seed(s);
        var device = parse.GetValue(Device) ?? "cpu";
        if (device != "cpu" && device != "cuda" && !device.StartsWith("cuda:"))
            throw new UsageException($"--device '{device}' is not one of cpu, cuda, cuda:N");
        if (device.StartsWith("cuda") && !TorchSharp.torch.cuda.is_available())
            throw new VivifyException($"--device {device}: CUDA is not available in this build; rebuild with 'make VIVIFY_TORCH_BACKEND=cuda' on a machine with an NVIDIA GPU, or use --device cpu");
    }
}
