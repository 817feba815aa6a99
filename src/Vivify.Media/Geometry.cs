using static TorchSharp.torch;

namespace Vivify.Media;

public enum ResizeMode
{
    /// <summary>Average of the covered source pixels when shrinking (OpenCV's INTER_AREA); bilinear when enlarging.</summary>
    Area,
    /// <summary>Bilinear, half-pixel centres (align_corners = false), as PyTorch and OpenCV do.</summary>
    Bilinear,
}

/// <summary>Resize, crop and pad for image tensors [C,H,W] or batches [N,C,H,W], on their own device.</summary>
public static class Geometry
{
    public static Tensor Resize(Tensor image, int height, int width, ResizeMode mode = ResizeMode.Area)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"size {width}x{height}");
        using var scope = NewDisposeScope();
        var batch = image.dim() == 4 ? image : image.unsqueeze(0);
        long h = batch.shape[2], w = batch.shape[3];
        Tensor r;
        if (h == height && w == width) r = batch.clone();
        else if (mode == ResizeMode.Area && height <= h && width <= w)
            r = nn.functional.interpolate(batch, [height, width], mode: InterpolationMode.Area);
        else
            r = nn.functional.interpolate(batch, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
        return (image.dim() == 4 ? r : r[0]).MoveToOuterDisposeScope();
    }

    /// <summary>Scales so that the height is <paramref name="height"/>, keeping the aspect ratio.</summary>
    public static Tensor ResizeToHeight(Tensor image, int height, ResizeMode mode = ResizeMode.Area)
    {
        long h = image.shape[^2], w = image.shape[^1];
        var width = (int)Math.Max(1, Math.Round(w * (double)height / h));
        return Resize(image, height, width, mode);
    }

    public static Tensor Crop(Tensor image, int top, int left, int height, int width)
    {
        long h = image.shape[^2], w = image.shape[^1];
        if (top < 0 || left < 0 || height <= 0 || width <= 0 || top + height > h || left + width > w)
            throw new ArgumentOutOfRangeException(nameof(top), $"crop {width}x{height} at ({left},{top}) does not fit in {w}x{h}");
        return image.narrow(-2, top, height).narrow(-1, left, width).clone();
    }

    /// <summary>The largest centred square.</summary>
    public static Tensor CenterSquare(Tensor image)
    {
        long h = image.shape[^2], w = image.shape[^1], s = Math.Min(h, w);
        return Crop(image, (int)((h - s) / 2), (int)((w - s) / 2), (int)s, (int)s);
    }

    /// <summary>Pads with a constant value (e.g. 0 black, 1 white).</summary>
    public static Tensor Pad(Tensor image, int top, int bottom, int left, int right, double value = 0)
    {
        if (top < 0 || bottom < 0 || left < 0 || right < 0) throw new ArgumentOutOfRangeException(nameof(top), "padding must not be negative");
        return nn.functional.pad(image, [left, right, top, bottom], TorchSharp.PaddingModes.Constant, value);
    }
}
