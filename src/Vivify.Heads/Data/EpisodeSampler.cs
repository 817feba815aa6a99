using static TorchSharp.torch;

namespace Vivify.Heads.Data;

/// <summary>
/// Meta-learning episodes (Zakharov et al. Sec. 3.2): for step s, B videos (distinct while the dataset has that
/// many) and from each K + 1 frames (distinct while the video has that many): the first K for the embedder, the
/// last the target; the video's index into W. Every draw comes from a generator seeded by (seed, step) alone, so a
/// resumed run sees exactly the episodes an uninterrupted one would. With a <paramref name="shard"/> (data parallel:
/// this rank's episodes [Start, Start + Count) of the <paramref name="batch"/>), only those are read, for any number of ranks the same.
/// </summary>
public sealed class EpisodeSampler(HeadsDataset data, int batch, int k, int imageSize, long seed, (int Start, int Count)? shard = null)
{
    /// <summary>The choices of step <paramref name="step"/>: per episode the video index and its K + 1 (clip, frame) pairs.</summary>
    public IReadOnlyList<(int Video, (int Clip, int Frame)[] Frames)> Choose(long step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        var r = new Random(Seeds.Mix(seed, step));
        var videos = Draw(r, data.Videos.Count, batch);
        return videos.Select(v =>
        {
            var frames = data.Videos[v].Frames;
            return (v, Draw(r, frames.Count, k + 1).Select(i => frames[i]).ToArray());
        }).ToList();
    }

    /// <summary>The tensors of step <paramref name="step"/>'s episodes.</summary>
    public Episode Sample(long step)
    {
        using var scope = NewDisposeScope();
        var chosen = Choose(step);
        if (shard is { } s) chosen = chosen.Skip(s.Start).Take(s.Count).ToList();
        var frames = new List<Tensor>();
        var landmarks = new List<Tensor>();
        foreach (var (v, picks) in chosen)
            foreach (var (clip, frame) in picks)
            {
                var (x, y) = data.Videos[v].Clips[clip].Read(frame, imageSize);
                frames.Add(x);
                landmarks.Add(y);
            }
        var x5 = stack(frames).view(chosen.Count, k + 1, 3, imageSize, imageSize);
        var y5 = stack(landmarks).view(chosen.Count, k + 1, 3, imageSize, imageSize);
        var episode = new Episode(
            x5[.., ..k].contiguous(), y5[.., ..k].contiguous(), x5[.., k].contiguous(), y5[.., k].contiguous(),
            tensor(chosen.Select(c => (long)c.Video).ToArray()));
        foreach (var t in new[] { episode.Frames, episode.Landmarks, episode.TargetFrame, episode.TargetLandmarks, episode.VideoIndex })
            t.MoveToOuterDisposeScope();
        return episode;
    }

    /// <summary><paramref name="count"/> indices below <paramref name="n"/>: distinct when n ≥ count (partial Fisher–Yates), else with repeats.</summary>
    private static int[] Draw(Random r, int n, int count)
    {
        if (n >= count)
        {
            var all = Enumerable.Range(0, n).ToArray();
            for (int i = 0; i < count; i++)
            {
                var j = i + r.Next(n - i);
                (all[i], all[j]) = (all[j], all[i]);
            }
            return all[..count];
        }
        return Enumerable.Range(0, count).Select(_ => r.Next(n)).ToArray();
    }
}
