using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>
/// Training patches as the published DatasetPatches_M cuts them: patch centres where the keyframe's mask (threshold
/// 0.4) survives a 7×7 erosion (the whole frame without a mask); keyframes taken in turn; each keyframe's centres
/// drawn without replacement until all were used; patch rows/columns [c − s/2, min(c + s/2, H − 1)), zero-filled where
/// that falls short of s (as published); "already" is the painted patch at another random valid centre, the real
/// sample for the discriminator.
/// </summary>
public sealed class PatchSampler
{
    private readonly IReadOnlyList<Keyframe> _keyframes;
    private readonly long[][] _centres;   // per keyframe: flat indices y*W + x
    private readonly Queue<long>[] _left;
    private readonly Random _random;
    private int _next;

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

    /// <summary>A batch: pre [B,C,s,s], post [B,3,s,s], already [B,3,s,s].</summary>
    public (Tensor pre, Tensor post, Tensor already) Sample(int batchSize)
    {
        using var scope = NewDisposeScope();
        var pre = new List<Tensor>();
        var post = new List<Tensor>();
        var already = new List<Tensor>();
        for (var b = 0; b < batchSize; b++)
        {
            var k = _next;
            _next = (_next + 1) % _keyframes.Count;
            var kf = _keyframes[k];
            var width = kf.Pre.shape[2];
            if (_left[k].Count == 0) Refill(k);
            var c = _left[k].Dequeue();
            var r = _centres[k][_random.Next(_centres[k].Length)];
            pre.Add(Cut(kf.Pre, c / width, c % width));
            post.Add(Cut(kf.Post, c / width, c % width));
            already.Add(Cut(kf.Post, r / width, r % width));
        }
        return (stack(pre).MoveToOuterDisposeScope(), stack(post).MoveToOuterDisposeScope(), stack(already).MoveToOuterDisposeScope());
    }

    private void Refill(int k)
    {
        var order = _centres[k].ToArray();
        _random.Shuffle(order);
        foreach (var c in order) _left[k].Enqueue(c);
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
