using System.Globalization;

namespace Vivify.Motion.Training;

/// <summary>
/// RUN_DIR/log.csv: one row per step (epoch, iteration, then every loss by name, full precision), appended to on
/// resume; rows of steps after the resumed checkpoint (those of an interruption not saved) are dropped first.
/// </summary>
public sealed class TrainLog : IDisposable
{
    private readonly StreamWriter _writer;
    private string[]? _columns;

    /// <param name="firstIteration">the step the run continues at (0 for a new run)</param>
    public TrainLog(string runDir, long firstIteration)
    {
        var path = Path.Combine(runDir, "log.csv");
        var kept = new List<string>();
        if (firstIteration > 0 && File.Exists(path))
        {
            var lines = File.ReadAllLines(path);
            if (lines.Length > 0)
            {
                kept.Add(lines[0]);
                _columns = lines[0].Split(',')[2..];
                kept.AddRange(lines.Skip(1).Where(l => l.Split(',') is { Length: > 1 } f && long.TryParse(f[1], CultureInfo.InvariantCulture, out var i) && i < firstIteration));
            }
        }
        _writer = new StreamWriter(path, append: false);
        foreach (var l in kept) _writer.WriteLine(l);
        _writer.Flush();
    }

    public void Write(int epoch, long iteration, IReadOnlyDictionary<string, double> losses)
    {
        if (_columns is null)
        {
            _columns = losses.Keys.ToArray();
            _writer.WriteLine("epoch,iteration," + string.Join(",", _columns));
        }
        var values = _columns.Select(c => losses.TryGetValue(c, out var v) ? v.ToString("R", CultureInfo.InvariantCulture) : "");
        _writer.WriteLine($"{epoch},{iteration}," + string.Join(",", values));
        _writer.Flush();
    }

    /// <summary>Reads a log back: (epoch, iteration, losses) per row.</summary>
    public static List<(int Epoch, long Iteration, Dictionary<string, double> Losses)> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var cols = lines[0].Split(',');
        return lines.Skip(1).Select(l => l.Split(',')).Select(f => (
            int.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture),
            Enumerable.Range(2, cols.Length - 2).Where(i => f[i].Length > 0).ToDictionary(i => cols[i], i => double.Parse(f[i], CultureInfo.InvariantCulture)))).ToList();
    }

    public void Dispose() => _writer.Dispose();
}
