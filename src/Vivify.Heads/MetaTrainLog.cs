using System.Globalization;

namespace Vivify.Heads;

/// <summary>
/// RUN_DIR/log.csv: one row per meta-learning step, <c>step,content,adversarial,feature_matching,match,discriminator,generator</c>
/// (the weighted losses of <see cref="MetaStepLosses"/>, full precision; step counts from 1). On resume the rows of steps
/// after the checkpoint (taken before an interruption and lost with it) are dropped and the log continues.
/// </summary>
public sealed class MetaTrainLog : IDisposable
{
    public const string FileName = "log.csv";
    public const string Header = "step,content,adversarial,feature_matching,match,discriminator,generator";

    private readonly StreamWriter _writer;

    public MetaTrainLog(string runDir, long resumedStep)
    {
        var path = Path.Combine(runDir, FileName);
        var kept = new List<string> { Header };
        if (resumedStep > 0 && File.Exists(path))
            kept.AddRange(File.ReadAllLines(path).Skip(1)
                .Where(l => long.TryParse(l.Split(',')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) && s <= resumedStep));
        _writer = new StreamWriter(path, append: false);
        foreach (var l in kept) _writer.WriteLine(l);
        _writer.Flush();
    }

    public void Write(long step, MetaStepLosses l)
    {
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        _writer.WriteLine($"{step},{F(l.Content)},{F(l.Adversarial)},{F(l.FeatureMatching)},{F(l.Match)},{F(l.Discriminator)},{F(l.Generator)}");
        _writer.Flush();
    }

    public void Dispose() => _writer.Dispose();
}
