using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Data;

/// <summary>
/// AllAugmentationTransform of the published augmentation.py for the parameters the published configs use:
/// RandomFlip (time flip, then — only when time was not flipped — horizontal flip, each with probability ½) and
/// ColorJitter (brightness, contrast, saturation, hue factors drawn once per clip, applied in a random order to every
/// frame, as torchvision's functional ops compute them on float images; the published code goes through 8-bit PIL
/// images, which rounds to 1/255). Clips are float32 [F, 3, H, W] in [0, 1].
/// </summary>
public sealed record Augmentation(bool TimeFlip, bool HorizontalFlip, double Brightness, double Contrast, double Saturation, double Hue)
{
    public static readonly Augmentation None = new(false, false, 0, 0, 0, 0);

    /// <summary>From dataset_params.augmentation_params (flip_param, jitter_param; other transforms are refused).</summary>
    public static Augmentation FromConfig(Dictionary<string, object>? p, string source)
    {
        if (p is null) return None;
        var flip = Section(p, "flip_param", source);
        var jitter = Section(p, "jitter_param", source);
        foreach (var key in p.Keys)
            if (key is not ("flip_param" or "jitter_param"))
                throw new ConfigurationException(source, $"{source}: augmentation '{key}' is not supported (flip_param and jitter_param are); remove it from augmentation_params");
        return new Augmentation(Bool(flip, "time_flip"), Bool(flip, "horizontal_flip"), Num(jitter, "brightness"), Num(jitter, "contrast"),
            Num(jitter, "saturation"), Num(jitter, "hue"));
    }

    private static Dictionary<string, string> Section(Dictionary<string, object> p, string name, string source)
    {
        if (!p.TryGetValue(name, out var v) || v is null) return new();
        if (v is not IDictionary<object, object> d) throw new ConfigurationException(source, $"{source}: augmentation_params.{name} must be a mapping");
        return d.ToDictionary(kv => kv.Key.ToString()!, kv => kv.Value?.ToString() ?? "");
    }

    private static bool Bool(Dictionary<string, string> d, string key) => d.TryGetValue(key, out var v) && v.Equals("true", StringComparison.OrdinalIgnoreCase);

    private static double Num(Dictionary<string, string> d, string key) =>
        d.TryGetValue(key, out var v) ? double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : 0;

    /// <summary>Augments a clip with draws from <paramref name="rng"/> (same draws, same result).</summary>
    public Tensor Apply(Tensor clip, Random rng)
    {
        using var scope = NewDisposeScope();
        var flipped = false;
        if (rng.NextDouble() < 0.5 && TimeFlip) { clip = clip.flip(0); flipped = true; }
        if (!flipped && rng.NextDouble() < 0.5 && HorizontalFlip) clip = clip.flip(3);

        var ops = new List<Func<Tensor, Tensor>>();
        if (Brightness > 0) { var f = Uniform(rng, Math.Max(0, 1 - Brightness), 1 + Brightness); ops.Add(x => (x * S(f)).clamp(S(0), S(1))); }
        if (Contrast > 0)
        {
            var f = Uniform(rng, Math.Max(0, 1 - Contrast), 1 + Contrast);
            ops.Add(x => Blend(x, Gray(x).mean([-3, -2, -1], keepdim: true), f));
        }
        if (Saturation > 0) { var f = Uniform(rng, Math.Max(0, 1 - Saturation), 1 + Saturation); ops.Add(x => Blend(x, Gray(x), f)); }
        if (Hue > 0) { var f = Uniform(rng, -Hue, Hue); ops.Add(x => AdjustHue(x, f)); }
        // The published ColorJitter draws the factors in this order (brightness, contrast, saturation, hue) and shuffles the ops.
        for (var i = ops.Count - 1; i > 0; i--) { var j = rng.Next(i + 1); (ops[i], ops[j]) = (ops[j], ops[i]); }
        foreach (var op in ops) clip = op(clip);
        return clip.contiguous().MoveToOuterDisposeScope();
    }

    private static double Uniform(Random rng, double lo, double hi) => lo + (hi - lo) * rng.NextDouble();

    private static Tensor Gray(Tensor x) => (S(0.299) * x[.., 0]).add(S(0.587) * x[.., 1], One).add(S(0.114) * x[.., 2], One).unsqueeze(1);

    private static Tensor Blend(Tensor x, Tensor other, double ratio) => (S(ratio) * x).add(S(1 - ratio) * other, One).clamp(S(0), S(1));

    /// <summary>torchvision's adjust_hue: RGB → HSV, shift the hue by <paramref name="factor"/> (mod 1), back to RGB.</summary>
    private static Tensor AdjustHue(Tensor x, double factor)
    {
        var r = x[.., 0]; var g = x[.., 1]; var b = x[.., 2];
        var maxc = x.amax(1); var minc = x.amin(1);
        var eqc = maxc.eq(minc);
        var cr = maxc - minc;
        var ones = ones_like(maxc);
        var s = cr / where(eqc, ones, maxc);
        var crDiv = where(eqc, ones, cr);
        var rc = (maxc - r) / crDiv; var gc = (maxc - g) / crDiv; var bc = (maxc - b) / crDiv;
        var hr = maxc.eq(r) * (bc - gc);
        var hg = (maxc.eq(g) & maxc.ne(r)) * (rc.add(S(2.0), One) - bc);
        var hb = (maxc.ne(g) & maxc.ne(r)) * (gc.add(S(4.0), One) - rc);
        var h = (hr.add(hg, One).add(hb, One) / S(6.0)).add(S(1.0), One).fmod(S(1.0));
        h = h.add(S(factor), One).remainder(S(1.0));
        var v = maxc;

        var h6 = h * S(6.0);
        var i = h6.floor();
        var f = h6 - i;
        var ii = i.to(ScalarType.Int64).remainder(S(6));
        var p = (v * rsub(s, One)).clamp(S(0), S(1));
        var q = (v * rsub(s * f, One)).clamp(S(0), S(1));
        var t = (v * rsub(s * rsub(f, One), One)).clamp(S(0), S(1));
        var mask = ii.unsqueeze(1).eq(arange(S(0), S(6), One, device: x.device).view(1, -1, 1, 1));
        var a1 = stack([v, q, p, p, t, v], 1);
        var a2 = stack([t, v, v, q, p, p], 1);
        var a3 = stack([p, p, t, v, v, q], 1);
        var rgb = stack([(mask * a1).sum(1), (mask * a2).sum(1), (mask * a3).sum(1)], 1);
        return rgb.to(x.dtype);
    }
}
