using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Training;

/// <summary>
/// The published Visualizer's training picture: one row per batch item, columns source with its keypoints, transformed
/// frame with its keypoints, driving with its keypoints, deformed source, prediction, occlusion map (the per-keypoint
/// sparse deformations are left out). Keypoints are discs of radius kp_size in rainbow colours (hue by keypoint
/// index, like matplotlib's gist_rainbow), optional white borders between columns.
/// </summary>
public sealed class Visualizer(int kp_size = 5, bool draw_border = false)
{
    /// <summary>The picture [3, B·H, C·W] in [0, 1].</summary>
    public Tensor visualize(Tensor driving, Tensor source, Generated @out)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var columns = new List<Tensor> { WithKp(source, @out.kp_source.value) };
        if (@out.transformed_frame is { } transformed && @out.transformed_kp is { } tkp) columns.Add(WithKp(transformed, tkp.value));
        columns.Add(WithKp(driving, @out.kp_driving.value));
        if (@out.output.deformed is { } deformed) columns.Add(deformed);
        columns.Add(@out.prediction);
        if (@out.output.occlusion_map is { } occ)
            columns.Add(nn.functional.interpolate(occ.repeat(1, 3, 1, 1), size: [source.shape[2], source.shape[3]], mode: InterpolationMode.Nearest));
        var grid = cat(columns.Select(Column).ToList(), dim: 2);
        return grid.detach().to(ScalarType.Float32, CPU).clamp(S(0), S(1)).MoveToOuterDisposeScope();
    }

    /// <summary>Batch [B, 3, H, W] → one column [3, B·H, W].</summary>
    private Tensor Column(Tensor images)
    {
        images = images.detach().to(ScalarType.Float32).clone();
        if (draw_border)
        {
            images[.., .., .., 0] = 1;
            images[.., .., .., -1] = 1;
        }
        return cat(images.unbind(0), dim: 1);
    }

    /// <summary>Images [B, 3, H, W] with keypoints [B, K, 2] in [-1, 1] drawn as discs.</summary>
    private Tensor WithKp(Tensor images, Tensor kp)
    {
        images = images.detach().to(ScalarType.Float32).clone();
        long h = images.shape[2], w = images.shape[3], k = kp.shape[1];
        var rows = arange(S(0), S(h), One, dtype: ScalarType.Float32, device: images.device).view(1, 1, h, 1);
        var cols = arange(S(0), S(w), One, dtype: ScalarType.Float32, device: images.device).view(1, 1, 1, w);
        var pos = kp.detach().to(ScalarType.Float32);
        var cx = (S(w) * pos[.., .., 0].add(S(1), One) / S(2)).view(-1, k, 1, 1);
        var cy = (S(h) * pos[.., .., 1].add(S(1), One) / S(2)).view(-1, k, 1, 1);
        var inside = (rows - cy).pow(S(2)).add((cols - cx).pow(S(2)), One).lt(S(kp_size * kp_size)); // [B, K, H, W]
        for (var i = 0; i < k; i++)
        {
            var colour = Rainbow((double)i / k).to(images.device).view(1, 3, 1, 1);
            var mask = inside[.., i..(i + 1)];
            images = where(mask, colour.expand_as(images), images);
        }
        return images;
    }

    /// <summary>A rainbow colour for x ∈ [0, 1): hue sweeping red → magenta at full saturation and value.</summary>
    private static Tensor Rainbow(double x)
    {
        var h = x * 5.0 / 6.0 * 6.0;
        var c = new float[3];
        var i = (int)Math.Floor(h) % 6;
        var f = (float)(h - Math.Floor(h));
        (c[0], c[1], c[2]) = i switch
        {
            0 => (1f, f, 0f),
            1 => (1 - f, 1f, 0f),
            2 => (0f, 1f, f),
            3 => (0f, 1 - f, 1f),
            4 => (f, 0f, 1f),
            _ => (1f, 0f, 1 - f),
        };
        return tensor(c);
    }
}
