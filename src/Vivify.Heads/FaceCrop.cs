using Vivify.Faces;
using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Heads;

/// <summary>A square region of a picture in whole pixels; it may reach outside the picture (filled black).</summary>
public sealed record FaceCropBox(int Left, int Top, int Side)
{
    /// <summary>Picture pixels → pixels of the crop resized to <paramref name="size"/>².</summary>
    public float[,] ToCrop(float[,] points, int size)
    {
        var r = new float[points.GetLength(0), 2];
        double k = (double)size / Side;
        for (int i = 0; i < points.GetLength(0); i++)
        {
            r[i, 0] = (float)((points[i, 0] - Left) * k);
            r[i, 1] = (float)((points[i, 1] - Top) * k);
        }
        return r;
    }
}

/// <summary>
/// Frames cut around a face as the model sees them: a square centred on the detection box, its side
/// (1 + 2·<see cref="DefaultIncrease"/>) times the box's longer side (the paper trains on VoxCeleb2's face-centred
/// crops that show the whole head; face-api's box spans brows to chin, so the square is enlarged), the part
/// outside the picture black, resized to the model's size.
/// </summary>
public static class FaceCrop
{
    public const double DefaultIncrease = 0.3;

    public static FaceCropBox Box(FaceDetection face, double increase = DefaultIncrease)
    {
        double side = Math.Max(face.Width, face.Height) * (1 + 2 * increase);
        double cx = face.X + face.Width / 2, cy = face.Y + face.Height / 2;
        int s = Math.Max(1, (int)Math.Round(side));
        return new FaceCropBox((int)Math.Round(cx - s / 2.0), (int)Math.Round(cy - s / 2.0), s);
    }

    /// <summary>
    /// The square to paste a rendered head into <paramref name="photo"/> (the photograph the person was fine-tuned
    /// on): its largest face's <see cref="Box"/>, found as fine-tuning finds it; <paramref name="name"/> names the photo in the error for one without a face.
    /// </summary>
    public static SquareBox PasteBox(FaceAnalyzer analyzer, RgbFrame photo, string name)
    {
        var faces = new FaceFinder(analyzer, 1024).Find(photo);
        if (faces.Count == 0) throw new InvalidInputException(name, $"{name}: no face found to paste the head into; give the photograph the person was fine-tuned on");
        var box = Box(faces.OrderByDescending(f => f.Detection.Area).First().Detection);
        return new SquareBox(box.Left, box.Top, box.Side);
    }

    /// <summary>The region <paramref name="box"/> of <paramref name="image"/> ([3,H,W]) as [3,size,size].</summary>
    public static Tensor Cut(Tensor image, FaceCropBox box, int size)
    {
        using var scope = NewDisposeScope();
        int h = (int)image.shape[1], w = (int)image.shape[2];
        int padL = Math.Max(0, -box.Left), padT = Math.Max(0, -box.Top);
        int padR = Math.Max(0, box.Left + box.Side - w), padB = Math.Max(0, box.Top + box.Side - h);
        var padded = padL + padT + padR + padB > 0 ? Geometry.Pad(image, padT, padB, padL, padR) : image;
        var crop = Geometry.Crop(padded, box.Top + padT, box.Left + padL, box.Side, box.Side);
        return Geometry.Resize(crop, size, size).MoveToOuterDisposeScope();
    }

    /// <summary>[68,2] landmarks as a float32 tensor.</summary>
    public static Tensor ToTensor(float[,] points) => tensor(points.Cast<float>().ToArray(), [points.GetLength(0), 2]);

    /// <summary>[N,2] tensor as landmarks.</summary>
    public static float[,] FromTensor(Tensor points)
    {
        var data = points.to(float32).contiguous().data<float>().ToArray();
        var r = new float[points.shape[0], 2];
        Buffer.BlockCopy(data, 0, r, 0, data.Length * sizeof(float));
        return r;
    }
}
