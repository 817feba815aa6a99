using System.Text.RegularExpressions;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.Optim;
using Vivify.Torch.StateDicts;

namespace Vivify.Motion.Training;

/// <summary>
/// Checkpoints in the published layout (Logger.save_cpk): RUN_DIR/EEEEEEEE-checkpoint.pth.tar holding the state dicts
/// of generator, discriminator, kp_detector, the three Adam states and <c>epoch</c> (the last finished epoch), in
/// torch's zip format (torch.load reads it), written atomically. A run interrupted within epoch E saves
/// RUN_DIR/E-checkpoint.pth.tar with <c>epoch</c> E − 1 and <c>epoch_batches</c>, the batches of E already taken, from
/// which a resumed run continues (the published code, which ignores that key, restarts epoch E).
/// </summary>
public static partial class TrainCheckpoint
{
    public static string PathFor(string runDir, int epoch) => Path.Combine(runDir, $"{epoch:D8}-checkpoint.pth.tar");

    public static void Save(string runDir, int epoch, TrainModels m) => Save(runDir, epoch, m, 0);

    /// <summary>Saves epoch <paramref name="epoch"/> unfinished, after <paramref name="batches"/> of its batches; returns the file.</summary>
    public static string SaveUnfinished(string runDir, int epoch, int batches, TrainModels m)
    {
        Save(runDir, epoch, m, batches);
        return PathFor(runDir, epoch);
    }

    private static void Save(string runDir, int epoch, TrainModels m, int batches)
    {
        var cpk = new PyDict
        {
            { "generator", StateDict.ToPyDict(m.generator) },
            { "discriminator", StateDict.ToPyDict(m.discriminator) },
            { "kp_detector", StateDict.ToPyDict(m.kp_detector) },
            { "optimizer_generator", AdamStateDict.Save(m.optimizer_generator) },
            { "optimizer_discriminator", AdamStateDict.Save(m.optimizer_discriminator) },
            { "optimizer_kp_detector", AdamStateDict.Save(m.optimizer_kp_detector) },
            { "epoch", (long)(batches > 0 ? epoch - 1 : epoch) },
        };
        if (batches > 0) cpk.Add("epoch_batches", (long)batches);
        TorchSave.Save(cpk, PathFor(runDir, epoch));
    }

    /// <summary>The newest checkpoint of a run, or null.</summary>
    public static string? Latest(string runDir) =>
        Directory.Exists(runDir)
            ? Directory.GetFiles(runDir).Where(f => Name().IsMatch(Path.GetFileName(f))).OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).LastOrDefault()
            : null;

    /// <summary>Loads models and optimizer states; returns the checkpoint's (last finished) epoch and the batches taken of the next.</summary>
    public static (int Epoch, int Batches) Load(string path, TrainModels m)
    {
        var cpk = CheckpointIO.Load(path);
        FommCheckpoint.Load(m.generator, FommCheckpoint.Section(cpk, "generator", path), "generator", path);
        FommCheckpoint.Load(m.discriminator, FommCheckpoint.Section(cpk, "discriminator", path), "discriminator", path);
        FommCheckpoint.Load(m.kp_detector, FommCheckpoint.Section(cpk, "kp_detector", path), "kp_detector", path);
        AdamStateDict.Load(m.optimizer_generator, FommCheckpoint.Section(cpk, "optimizer_generator", path), path);
        AdamStateDict.Load(m.optimizer_discriminator, FommCheckpoint.Section(cpk, "optimizer_discriminator", path), path);
        AdamStateDict.Load(m.optimizer_kp_detector, FommCheckpoint.Section(cpk, "optimizer_kp_detector", path), path);
        var dict = (PyDict)cpk!;
        var epoch = dict.TryGetValue("epoch", out var e) ? e : null;
        var batches = dict.TryGetValue("epoch_batches", out var b) && b is long n ? (int)n : 0;
        return epoch switch
        {
            long l => ((int)l, batches),
            int i => (i, batches),
            _ => throw new ModelMismatchException($"{path}: the checkpoint has no integer 'epoch'; resume from a checkpoint written by training", path),
        };
    }

    [GeneratedRegex(@"^\d{8}-checkpoint\.pth\.tar$")]
    private static partial Regex Name();
}
