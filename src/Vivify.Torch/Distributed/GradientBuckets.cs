using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Torch.Distributed;

/// <summary>
/// Gradient averaging over the ranks as PyTorch's DistributedDataParallel does it: the parameters, in reverse order
/// (the order backward finishes them), packed into buckets of about <see cref="DefaultBucketBytes"/>; each bucket's
/// gradients are copied into one reused host buffer, all-reduced in a single call, divided by the number of ranks
/// and copied back. A parameter without a gradient adds zeros and keeps no gradient. CUDA gradients go through the
/// host buffer. The all-reduce runs after backward: TorchSharp 0.107 has no gradient hooks to start it earlier.
/// </summary>
public sealed class GradientBuckets : IDisposable
{
    /// <summary>25 MiB, DDP's <c>bucket_cap_mb</c> default.</summary>
    public const long DefaultBucketBytes = 25L << 20;

    private readonly ICommunicator _comm;
    private readonly List<(Parameter[] Params, long[] Offsets, long Numel, ScalarType Dtype)> _buckets = [];
    private readonly Dictionary<ScalarType, Tensor> _buffers = [];

    public GradientBuckets(IEnumerable<Parameter> parameters, ICommunicator comm, long bucketBytes = DefaultBucketBytes)
    {
        _comm = comm;
        var ps = new List<Parameter>();
        long bytes = 0;
        foreach (var p in parameters.Reverse())
        {
            var size = p.numel() * p.element_size();
            if (ps.Count > 0 && (bytes + size > bucketBytes || p.dtype != ps[0].dtype)) Close(ps);
            if (ps.Count == 0) bytes = 0;
            ps.Add(p);
            bytes += size;
        }
        if (ps.Count > 0) Close(ps);
    }

    private void Close(List<Parameter> ps)
    {
        var offsets = new long[ps.Count];
        long n = 0;
        for (var i = 0; i < ps.Count; i++) { offsets[i] = n; n += ps[i].numel(); }
        _buckets.Add((ps.ToArray(), offsets, n, ps[0].dtype));
        ps.Clear();
    }

    /// <summary>The number of all-reduce calls per <see cref="Average"/>.</summary>
    public int Count => _buckets.Count;

    /// <summary>Bytes handed to the all-reduce per <see cref="Average"/> (per rank).</summary>
    public long Bytes => _buckets.Sum(b => b.Numel * b.Params[0].element_size());

    /// <summary>Replaces every gradient by its mean over the ranks (nothing to do with one rank).</summary>
    public void Average()
    {
        if (_comm.Size == 1) return;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (ps, offsets, numel, dtype) in _buckets)
        {
            var flat = Buffer(dtype, numel).narrow(0, 0, numel);
            for (var i = 0; i < ps.Length; i++)
            {
                var slice = flat.narrow(0, offsets[i], ps[i].numel());
                if (ps[i].grad is { } g) slice.copy_(g.reshape(-1));
                else slice.zero_();
            }
            _comm.AllReduceSum(flat);
            flat.div_(S(_comm.Size));
            for (var i = 0; i < ps.Length; i++)
                if (ps[i].grad is { } g) g.copy_(flat.narrow(0, offsets[i], ps[i].numel()).view_as(g));
        }
    }

    private Tensor Buffer(ScalarType dtype, long numel)
    {
        if (_buffers.TryGetValue(dtype, out var b) && b.numel() >= numel) return b;
        b?.Dispose();
        var max = _buckets.Where(x => x.Dtype == dtype).Max(x => x.Numel);
        return _buffers[dtype] = empty(max, dtype: dtype).DetachFromDisposeScope();
    }

    public void Dispose()
    {
        foreach (var b in _buffers.Values) b.Dispose();
        _buffers.Clear();
    }
}
