using static TorchSharp.torch;

namespace Vivify.Stylize.Prep;

/// <summary>
/// A video clip held in memory for preparation: frames as uint8 [3,H,W] RGB and the optical flows between neighbours,
/// computed once when first asked for: <see cref="FlowToPrevious"/> (the published flow_fwd: frame f → f−1) and
/// <see cref="FlowToNext"/> (flow_bwd: frame f → f+1), float32 [H,W,2]. Memory: 3 bytes per pixel per frame, plus
/// 16 bytes per pixel per frame once both flows are computed.
/// </summary>
public sealed class Clip : IDisposable
{
    private readonly List<Tensor> _frames;
    private readonly Tensor?[] _toPrevious;
    private readonly Tensor?[] _toNext;
    private readonly object _lock = new();

    public Clip(IEnumerable<Tensor> frames)
    {
        _frames = frames.ToList();
        if (_frames.Count == 0) throw new ArgumentException("a clip needs at least one frame", nameof(frames));
        foreach (var f in _frames)
        {
            CvImage.RequireRgb8(f);
            if (f.shape[1] != Height || f.shape[2] != Width)
                throw new VivifyException($"frame sizes differ within the clip ({f.shape[2]}×{f.shape[1]} vs {Width}×{Height}): use a video of one frame size");
        }
        _toPrevious = new Tensor?[_frames.Count];
        _toNext = new Tensor?[_frames.Count];
    }

    public int Count => _frames.Count;
    public long Height => _frames[0].shape[1];
    public long Width => _frames[0].shape[2];

    /// <summary>Frame <paramref name="index"/>, uint8 [3,H,W] (owned by the clip).</summary>
    public Tensor this[int index] => _frames[index];

    /// <summary>Flow from frame f to frame f−1 (f ≥ 1), owned by the clip.</summary>
    public Tensor FlowToPrevious(int f)
    {
        if (f < 1 || f >= Count) throw new ArgumentOutOfRangeException(nameof(f));
        lock (_lock) return _toPrevious[f] ??= Detached(() => OpticalFlow.Compute(_frames[f], _frames[f - 1]));
    }

    /// <summary>Flow from frame f to frame f+1 (f ≤ Count−2), owned by the clip.</summary>
    public Tensor FlowToNext(int f)
    {
        if (f < 0 || f >= Count - 1) throw new ArgumentOutOfRangeException(nameof(f));
        lock (_lock) return _toNext[f] ??= Detached(() => OpticalFlow.Compute(_frames[f], _frames[f + 1]));
    }

    /// <summary>Frees the flows of frames before <paramref name="f"/> (for one pass through the clip in order); they are recomputed if asked for again.</summary>
    public void ReleaseFlowsBefore(int f)
    {
        lock (_lock)
            for (var i = 0; i < Math.Min(f, Count); i++)
            {
                _toPrevious[i]?.Dispose(); _toPrevious[i] = null;
                _toNext[i]?.Dispose(); _toNext[i] = null;
            }
    }

    private static Tensor Detached(Func<Tensor> make)
    {
        var t = make();
        t.DetachFromDisposeScope();
        return t;
    }

    public void Dispose()
    {
        foreach (var t in _frames) t.Dispose();
        foreach (var t in _toPrevious) t?.Dispose();
        foreach (var t in _toNext) t?.Dispose();
    }
}
