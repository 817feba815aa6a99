using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>
/// Training patches as the published DatasetPatches_M cuts them: patch centres where the keyframe's mask (threshold
/// 0.4) survives a 7×7 erosion (the whole frame without a mask); keyframes taken in turn; each keyframe's centres
/// drawn without replacement until all were used; patch rows/columns [c − s/2, min(c + s/2, H − 1)), zero-filled where
/// that falls short of s (as published); "already" is the painted patch at another random valid centre, the real
/// sample for the discriminator. After a repaint (<see cref="Focus"/>), a share of the patches is centred in the
/// changed region instead (Vivify's own, see <see cref="RepaintFocus"/>).
/// </summary>
public sealed class PatchSampler
{
    private readonly IReadOnlyList<Keyframe> _keyframes;
    private readonly long[][] _centres;   // per keyframe: flat indices y*W + x
    private readonly Queue<long>[] _left;
    private readonly Random _random;
    private int _next;
    private long[][] _focus = [];         // per keyframe: valid centres in the changed region (empty: none)
    private Queue<long>[] _focusLeft = [];
    private double _focusShare, _credit;
    private int _focusSteps, _sampled, _nextFocus;

    public PatchSampler(IReadOnlyList<Keyframe> keyframes, int patchSize, int seed = 0)
    {
        if (keyframes.Count == 0) throw new ArgumentException("stylization needs at least one painted keyframe", nameof(keyframes));
        if (patchSize < 2) throw new ArgumentOutOfRangeException(nameof(patchSize), patchSize, $"patch size {patchSize} is too small: use at least 2");
        _keyframes = keyframes;
        PatchSize = patchSize;
        _random = new Random(seed);
        _centres = keyframes.Select(ValidCentres).ToArray();
        for (var i = 0; i < _centres.Length; i++)
            if (_centres[i].Length == 0)
                throw new ArgumentException($"keyframe {i}: its mask leaves no patch centre after erosion: paint a larger mask area");
        _left = _centres.Select(_ => new Queue<long>()).ToArray();
    }

    public int PatchSize { get; }

    /// <summary>The share of the next batch's patches centred in the changed region (0 without a focus).</summary>
    public double FocusShare => _focus.Length == 0 || _sampled >= _focusSteps ? 0 : _focusShare * (1 - (double)_sampled / _focusSteps);

    /// <summary>
    /// From the next batch on, centres <paramref name="share"/> of the patches (falling linearly to none over
    /// <paramref name="steps"/> batches) on the pixels <paramref name="changed"/> marks: per keyframe [H,W] booleans or
    /// null for none. Keyframes are taken in turn among those with changed centres; without any, sampling stays uniform.
    /// </summary>
    public void Focus(IReadOnlyList<Tensor?> changed, double share, int steps)
    {
        if (changed.Count != _keyframes.Count) throw new ArgumentException($"{changed.Count} changed regions for {_keyframes.Count} keyframes", nameof(changed));
        if (share is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(share), share, "the share of patches must be 0–1");
        var focus = _centres.Select((c, k) => changed[k] is { } m ? Inside(c, m) : []).ToArray();
        (_focus, _focusShare, _focusSteps, _sampled, _credit, _nextFocus) = (focus.Any(f => f.Length > 0) ? focus : [], share, steps, 0, 0, 0);
        _focusLeft = _focus.Select(_ => new Queue<long>()).ToArray();
    }

    private static long[] Inside(long[] centres, Tensor changed)
    {
        var flat = changed.to(ScalarType.Bool).cpu().flatten().data<bool>().ToArray();
        return centres.Where(c => flat[c]).ToArray();
    }

    /// <summary>A batch: pre [B,C,s,s], post [B,3,s,s], already [B,3,s,s].</summary>
    public (Tensor pre, Tensor post, Tensor already) Sample(int batchSize)
    {
        using var scope = NewDisposeScope();
        var pre = new List<Tensor>();
        var post = new List<Tensor>();
        var already = new List<Tensor>();
        var share = FocusShare;
        _sampled++;
        for (var b = 0; b < batchSize; b++)
        {
            // Error diffusion: exactly the share over the batches, the focused patches spread through each batch.
            _credit += share;
            var focused = _credit >= 1 - 1e-9;
            if (focused) _credit -= 1;
            var k = focused ? NextFocused() : NextKeyframe();
            var kf = _keyframes[k];
            var width = kf.Pre.shape[2];
            var c = focused ? Draw(_focusLeft[k], _focus[k]) : Draw(_left[k], _centres[k]);
            var r = _centres[k][_random.Next(_centres[k].Length)];
            pre.Add(Cut(kf.Pre, c / width, c % width));
            post.Add(Cut(kf.Post, c / width, c % width));
            already.Add(Cut(kf.Post, r / width, r % width));
        }
        return (stack(pre).MoveToOuterDisposeScope(), stack(post).MoveToOuterDisposeScope(), stack(already).MoveToOuterDisposeScope());
    }

    private int NextKeyframe()
    {
        var k = _next;
        _next = (_next + 1) % _keyframes.Count;
        return k;
    }

    private int NextFocused()
    {
        while (_focus[_nextFocus % _focus.Length].Length == 0) _nextFocus++;
        return _nextFocus++ % _focus.Length;
    }

    /// <summary>The next of <paramref name="centres"/> in a shuffled order, each used once before any again.</summary>
    private long Draw(Queue<long> left, long[] centres)
    {
        if (left.Count == 0)
        {
            var order = centres.ToArray();
            _random.Shuffle(order);
            foreach (var c in order) left.Enqueue(c);
        }
        return left.Dequeue();
    }

    private Tensor Cut(Tensor im, long y, long x)
    {
        long hs = PatchSize / 2, h = im.shape[1], w = im.shape[2];
        long hn = Math.Max(0, y - hs), hx = Math.Min(y + hs, h - 1);
        long xn = Math.Max(0, x - hs), xx = Math.Min(x + hs, w - 1);
        var p = im[.., (int)hn..(int)hx, (int)xn..(int)xx];
        if (p.shape[1] == PatchSize && p.shape[2] == PatchSize) return p;
        var r = zeros(im.shape[0], PatchSize, PatchSize, dtype: im.dtype, device: im.device);
        r[.., ..(int)p.shape[1], ..(int)p.shape[2]] = p;
        return r;
    }

    private static long[] ValidCentres(Keyframe kf)
    {
        using var scope = NewDisposeScope();
        var (h, w) = (kf.Pre.shape[1], kf.Pre.shape[2]);
        if (kf.Post.shape[1] != h || kf.Post.shape[2] != w)
            throw new ArgumentException($"painted keyframe is {kf.Post.shape[2]}×{kf.Post.shape[1]} but its frame is {w}×{h}: paint over a frame of the same size");
        if (kf.Mask is null) return Enumerable.Range(0, (int)(h * w)).Select(i => (long)i).ToArray();
        if (kf.Mask.shape[0] != h || kf.Mask.shape[1] != w)
            throw new ArgumentException($"mask is {kf.Mask.shape[1]}×{kf.Mask.shape[0]} but its frame is {w}×{h}: use a mask of the frame's size");
        var m = kf.Mask.to(float32).cpu().view(1, 1, h, w);
        m = where(m < S(0.4), zeros_like(m), m);
        var eroded = nn.functional.conv2d(m, ones(1, 1, 7, 7), padding: [3, 3]);
        var valid = (eroded >= S(49)).flatten().nonzero().flatten();
        return valid.data<long>().ToArray();
    }
}
