using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;

namespace Vivify.Cli;

/// <summary>
/// Runs a command's work with an <see cref="IProgressReporter"/>: Spectre.Console bars (count, rate,
/// ETA) on stderr when it is a terminal, plain lines when it is not (pipes, logs, tests), nothing with --quiet.
/// </summary>
public static class Progress
{
    public static T Run<T>(ParseResult parse, Func<IProgressReporter, T> work)
    {
        var err = parse.InvocationConfiguration.Error;
        if (parse.GetValue(Cli.Quiet)) return work(NoProgress.Instance);
        var terminal = err is TerminalErrors && !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb";
        if (!terminal) return work(new PlainProgress(err));
        var units = new System.Collections.Concurrent.ConcurrentDictionary<int, string>();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new CountColumn(units), new RateColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                // Lines the command writes meanwhile are printed above the bars, not under their next redraw.
                using (((TerminalErrors)err).Above(line => console.WriteLine(line)))
                    return work(new SpectreReporter(ctx, units));
            });
    }

    private sealed class SpectreReporter(ProgressContext ctx, System.Collections.Concurrent.ConcurrentDictionary<int, string> units) : IProgressReporter
    {
        public IProgressTask Start(string description, long? total, string unit = "frames")
        {
            var task = ctx.AddTask(Markup.Escape(description), autoStart: true, maxValue: Math.Max(1, total ?? 1));
            task.IsIndeterminate = total is null;
            units[task.Id] = unit;
            return new SpectreTask(task, total, Markup.Escape(description));
        }
    }

    private sealed class SpectreTask(ProgressTask task, long? total, string description) : IProgressTask
    {
        private long _done;

        public void Status(string text) => task.Description = $"{description} [grey]{Markup.Escape(text)}[/]";

        public void Advance(long by = 1)
        {
            _done += by;
            task.State.Update<long>("done", _ => _done);
            if (total is not null) task.Increment(by);
        }

        public void Dispose()
        {
            if (total is null) { task.IsIndeterminate = false; task.Value = task.MaxValue; }
            task.StopTask();
        }
    }

    private sealed class CountColumn(System.Collections.Concurrent.ConcurrentDictionary<int, string> units) : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var done = task.State.Get<long>("done");
            var unit = units.GetValueOrDefault(task.Id, "");
            return new Text(task.IsIndeterminate ? $"{done} {Counted.Unit(done, unit)}" : $"{done}/{task.MaxValue:0} {Counted.Unit((long)task.MaxValue, unit)}");
        }
    }

    private sealed class RateColumn : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.Speed is double s ? $"{s:0.0}/s" : "", new Style(Color.Grey));
    }

    /// <summary>Time left as m:ss, or h:mm:ss from an hour on (at most 9999 hours).</summary>
    internal static string Eta(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 9999 * 3600.0));
        return t.TotalHours >= 1 ? $"{(long)t.TotalHours}:{t:mm\\:ss}" : $"{t:m\\:ss}";
    }

    /// <summary>Lines such as "compose: 120/300 frames, 25.0 frames/s, ETA 0:07", at most every few seconds, and one at the end.</summary>
    internal sealed class PlainProgress(TextWriter err, double intervalSeconds = 5) : IProgressReporter
    {
        public IProgressTask Start(string description, long? total, string unit = "frames") => new Task(err, description, total, unit, intervalSeconds);

        private sealed class Task(TextWriter err, string description, long? total, string unit, double interval) : IProgressTask
        {
            private readonly Stopwatch _clock = Stopwatch.StartNew();
            private double _lastPrint;
            private long _done;
            private string _status = "";

            public void Status(string text) => _status = text;

            public void Advance(long by = 1)
            {
                _done += by;
                var now = _clock.Elapsed.TotalSeconds;
                if (now - _lastPrint < interval) return;
                _lastPrint = now;
                var rate = _done / Math.Max(now, 1e-9);
                var line = total is long t
                    ? $"{description}: {_done}/{t} {Counted.Unit(t, unit)}, {rate:0.0} {unit}/s, ETA {Eta((t - _done) / Math.Max(rate, 1e-9))}"
                    : $"{description}: {_done} {Counted.Unit(_done, unit)}, {rate:0.0} {unit}/s";
                if (_status.Length > 0) line += $" ({_status})";
                lock (err) err.WriteLine(line);
            }

            public void Dispose()
            {
                var s = _clock.Elapsed.TotalSeconds;
                var status = _status.Length > 0 ? $"; {_status}" : "";
                lock (err) err.WriteLine($"{description}: {_done} {Counted.Unit(_done, unit)} in {s:0.0} s ({_done / Math.Max(s, 1e-9):0.0} {unit}/s{status})");
            }
        }
    }
}
