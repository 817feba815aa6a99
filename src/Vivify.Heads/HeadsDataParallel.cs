using Vivify.Torch.Distributed;
using static TorchSharp.torch;

namespace Vivify.Heads;

/// <summary>
/// What data-parallel meta-training adds to <see cref="MetaTrainer"/> (the paper meta-learns on several GPUs): B is
/// the global batch of episodes, each rank reads its shard of each step's episodes (drawn for the whole batch from
/// (seed, step), <see cref="Data.EpisodeSampler"/>), the <see cref="MetaLearner"/> averages gradients over the ranks
/// before every Adam step, and rank 0's model (its configuration, step, networks, and after --resume its Adam states)
/// is every rank's at the start: only rank 0 reads and writes the run directory. The networks have no batch norm.
/// </summary>
internal static class HeadsDataParallel
{
    /// <summary>
    /// Rank 0's model on every rank: <paramref name="rootModel"/> there (null elsewhere); the others build the same
    /// networks from its configuration and take its step, parameters and buffers.
    /// </summary>
    public static HeadsModel Share(HeadsModel? rootModel, Data.HeadsDataset data, ICommunicator comm)
    {
        if (comm.Size == 1) return rootModel!;
        var yaml = DataParallel.Broadcast(rootModel is null ? "" : HeadsCheckpoint.ConfigYaml(rootModel.Config), comm);
        var model = rootModel ?? new HeadsModel(HeadsConfig.Parse(yaml, "rank 0's configuration"), data.Videos.Count, data.VideoIds);
        model.Step = DataParallel.Broadcast(model.Step, comm);
        foreach (var network in new nn.Module[] { model.Embedder, model.Generator, model.Discriminator }) DataParallel.Broadcast(network, comm);
        return model;
    }

    /// <summary>Rank 0's Adam states on every rank.</summary>
    public static void Share(MetaLearner learner, ICommunicator comm)
    {
        DataParallel.Broadcast(learner.OptimizerEG, comm);
        DataParallel.Broadcast(learner.OptimizerD, comm);
    }

    /// <summary>The step's losses over the global batch: the mean of the ranks' (equal shards).</summary>
    public static MetaStepLosses Mean(MetaStepLosses l, ICommunicator comm)
    {
        if (comm.Size == 1) return l;
        var m = DataParallel.Mean(new Dictionary<string, double>
        {
            ["cnt"] = l.Content, ["adv"] = l.Adversarial, ["fm"] = l.FeatureMatching, ["mch"] = l.Match, ["d"] = l.Discriminator,
        }, comm);
        return new MetaStepLosses(m["cnt"], m["adv"], m["fm"], m["mch"], m["d"]);
    }
}
