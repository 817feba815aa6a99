using System.Text.RegularExpressions;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.Optim;
using Vivify.Torch.StateDicts;

namespace Vivify.Motion.Training;

/// <summary>
/// Checkpoints in the published layout (Logger.save_cpk): RUN_DIR/EEEEEEEE-checkpoint.pth.tar holding the state dicts
/// of generator, discriminator, kp_detector, the three Adam states and <c>epoch</c> (the last finished epoch), in
/// torch's zip format (torch.load reads it), written atomically.
/// </summary>
public static partial class TrainCheckpoint
{
    public static string PathFor(string runDir, int epoch) => Path.Combine(runDir, $"{epoch:D8}-checkpoint.pth.tar");

    public static void Save(string runDir, int epoch, TrainModels m)
    {
        var cpk = new PyDict
        {
            { "generator", StateDict.ToPyDict(m.generator) },
            { "discriminator", StateDict.ToPyDict(m.discriminator) },
            { "kp_detector", StateDict.ToPyDict(m.kp_detector) },
            { "optimizer_generator", AdamStateDict.Save(m.optimizer_generator) },
            { "optimizer_discriminator", AdamStateDict.Save(m.optimizer_discriminator) },
            { "optimizer_kp_detector", AdamStateDict.Save(m.optimizer_kp_detector) },
            { "epoch", (long)epoch },
        };
        TorchSave.Save(cpk, PathFor(runDir, epoch));
    }

    /// <summary>The newest checkpoint of a run, or null.</summary>
    public static string? Latest(string runDir) =>
        Directory.Exists(runDir)
            ? Directory.GetFiles(runDir).Where(f => Name().IsMatch(Path.GetFileName(f))).OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).LastOrDefault()
            : null;

    /// <summary>Loads models and optimizer states; returns the checkpoint's epoch.</summary>
    public static int Load(string path, TrainModels m)
    {
        var cpk = CheckpointIO.Load(path);
        FommCheckpoint.Load(m.generator, FommCheckpoint.Section(cpk, "generator", path), "generator", path);
        FommCheckpoint.Load(m.discriminator, FommCheckpoint.Section(cpk, "discriminator", path), "discriminator", path);
        FommCheckpoint.Load(m.kp_detector, FommCheckpoint.Section(cpk, "kp_detector", path), "kp_detector", path);
        AdamStateDict.Load(m.optimizer_generator, FommCheckpoint.Section(cpk, "optimizer_generator", path), path);
        AdamStateDict.Load(m.optimizer_discriminator, FommCheckpoint.Section(cpk, "optimizer_discriminator", path), path);
        AdamStateDict.Load(m.optimizer_kp_detector, FommCheckpoint.Section(cpk, "optimizer_kp_detector", path), path);
        var epoch = ((PyDict)cpk!).TryGetValue("epoch", out var e) ? e : null;
        return epoch switch
        {
            long l => (int)l,
            int i => i,
            _ => throw new VivifyException($"{path}: the checkpoint has no integer 'epoch'; resume from a checkpoint written by training"),
        };
    }

    [GeneratedRegex(@"^\d{8}-checkpoint\.pth\.tar$")]
    private static partial Regex Name();
}
