using Vivify.Motion;

namespace Vivify.Server.Animate;

/// <summary>
/// Models loaded once and kept, as Vivify.Motion <see cref="Animator"/>s: by name and precision, reloaded when the
/// checkpoint or config file changes, the least recently used dropped (and its memory freed) past the capacity. Used
/// by the job worker and by a live session, never at the same time (the session holds the device: JobQueue.HoldDevice); locked all the same.
/// </summary>
internal sealed class AnimatorCache(int capacity) : IDisposable
{
    private readonly LinkedList<(string Key, DateTime Stamp, Animator Animator)> _loaded = new();

    public int Count => _loaded.Count;

    public Animator Get(ModelEntry entry, bool bf16)
    {
        lock (_loaded) return Load(entry, bf16);
    }

    private Animator Load(ModelEntry entry, bool bf16)
    {
        var key = $"{entry.Name}\n{(bf16 ? "bf16" : "fp32")}";
        var stamp = new[] { File.GetLastWriteTimeUtc(entry.Checkpoint), File.GetLastWriteTimeUtc(entry.Config) }.Max();
        for (var node = _loaded.First; node is not null; node = node.Next)
        {
            if (node.Value.Key != key) continue;
            _loaded.Remove(node);
            if (node.Value.Stamp == stamp)
            {
                _loaded.AddFirst(node);
                return node.Value.Animator;
            }
            node.Value.Animator.Dispose();
            break;
        }
        while (_loaded.Count >= Math.Max(1, capacity))
        {
            _loaded.Last!.Value.Animator.Dispose();
            _loaded.RemoveLast();
        }
        var options = new AnimatorOptions { Precision = bf16 ? ModelPrecision.BFloat16 : ModelPrecision.Float32 };
        var animator = Animator.Load(entry.Config, entry.Checkpoint, options);
        _loaded.AddFirst((key, stamp, animator));
        return animator;
    }

    public void Dispose()
    {
        foreach (var (_, _, animator) in _loaded) animator.Dispose();
        _loaded.Clear();
    }
}
