using Vivify.Torch;
using static TorchSharp.torch;

namespace Vivify.Motion.Data;

/// <summary>A batch: source and driving [B, 3, H, W]. Disposing frees both.</summary>
public sealed record Batch(Tensor source, Tensor driving, IReadOnlyList<string> names) : IDisposable
{
    public void Dispose()
    {
        source.Dispose();
        driving.Dispose();
    }
}

/// <summary>
/// The published DataLoader(shuffle=True, drop_last=True) over a <see cref="DatasetRepeater"/>: each epoch a seeded
/// permutation cut into full batches, prepared on background threads a few batches ahead and delivered in order.
/// Batch k of epoch e depends only on (seed, e, k), whatever the threads do. With a <paramref name="shard"/> (data
/// parallel: this rank's items [Start, Start + Count) of each batch of <paramref name="batch_size"/>), only that part of
/// each batch is made, the same items with the same augmentation as in the whole batch, for any number of ranks.
/// </summary>
public sealed class BatchLoader(DatasetRepeater data, int batch_size, long seed, int prefetch = 4, (int Start, int Count)? shard = null)
{
    public int BatchesPerEpoch => batch_size >= 1 ? data.Count / batch_size
        : throw new ConfigurationException(null, "config: train_params.batch_size must be at least 1", key: "train_params.batch_size"); // also when the config leaves it out

    /// <summary>The batches of an epoch from batch <paramref name="first"/> on (those before are skipped, not made).</summary>
    public IEnumerable<Batch> Epoch(int epoch, CancellationToken cancel = default, int first = 0)
    {
        if (BatchesPerEpoch == 0)
            throw new ConfigurationException(null, $"config: batch_size {batch_size} exceeds the {data.Count} items of an epoch (videos × num_repeats); lower batch_size or raise num_repeats", key: "train_params.batch_size");
        var order = Enumerable.Range(0, data.Count).ToArray();
        new Random(Mix(seed, epoch, -1)).Shuffle(order);
        var pending = new Queue<Task<Batch>>();
        var next = first;
        try
        {
            while (next < BatchesPerEpoch || pending.Count > 0)
            {
                while (next < BatchesPerEpoch && pending.Count < prefetch)
                {
                    var k = next++;
                    pending.Enqueue(Task.Run(() => Make(order, epoch, k), cancel));
                }
                yield return pending.Dequeue().GetAwaiter().GetResult();
            }
        }
        finally
        {
            // Stopped early (an error, Ctrl-C): free what was prepared ahead.
            foreach (var t in pending)
                try { t.GetAwaiter().GetResult().Dispose(); } catch (Exception) { }
        }
    }

    private Batch Make(int[] order, int epoch, int k)
    {
        // Beside the training's thread: one thread each (see TorchThreads), so that no idle OpenMP team slows the training.
        using var one = TorchThreads.OneThreadHere();
        var pairs = new List<FramePair>();
        var (start, count) = shard ?? (0, batch_size);
        try
        {
            for (var i = start; i < start + count; i++)
            {
                var idx = order[k * batch_size + i];
                pairs.Add(data.GetPair(idx, new Random(Mix(seed, epoch, k * batch_size + i))));
            }
            return new Batch(stack(pairs.Select(p => p.source)), stack(pairs.Select(p => p.driving)), pairs.Select(p => p.name).ToList());
        }
        finally
        {
            foreach (var p in pairs) p.Dispose();
        }
    }

    /// <summary>A 32-bit seed from (seed, epoch, item), the same in every process.</summary>
    internal static int Mix(long seed, long a, long b)
    {
        unchecked
        {
            var h = (ulong)seed * 0x9E3779B97F4A7C15UL;
            h ^= (ulong)a + 0x632BE59BD9B4E019UL + (h << 6) + (h >> 2);
            h ^= (ulong)b + 0x85EBCA77C2B2AE63UL + (h << 6) + (h >> 2);
            h ^= h >> 33; h *= 0xFF51AFD7ED558CCDUL; h ^= h >> 33;
            return (int)(h & 0x7FFFFFFF);
        }
    }
}
