using Vivify.Faces;
using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Heads;

/// <summary>
/// The fine-tuning shots made from photos (or frames) of one person: in each picture the largest face is found,
/// its 68 landmarks computed (face-api networks of Vivify.Faces), the picture cut around it (<see cref="FaceCrop"/>)
/// to the model's size and the landmarks, in the crop's pixels, rasterised (<see cref="LandmarkRaster"/>).
/// </summary>
public sealed class FineTuneShots : IDisposable
{
    private FineTuneShots(Tensor frames, Tensor landmarkImages, List<float[,]> landmarks, Tensor? descriptor)
    {
        (Frames, LandmarkImages, Landmarks, FaceDescriptor) = (frames, landmarkImages, landmarks, descriptor);
    }

    /// <summary>[T,3,S,S] in [0,1].</summary>
    public Tensor Frames { get; }

    /// <summary>[T,3,S,S] rasterised landmarks.</summary>
    public Tensor LandmarkImages { get; }

    /// <summary>The T landmark sets [68,2] in the crops' pixels.</summary>
    public IReadOnlyList<float[,]> Landmarks { get; }

    /// <summary>The mean of the faces' 128-D descriptors, when a recognition network was given.</summary>
    public Tensor? FaceDescriptor { get; }

    /// <summary>The mean of <see cref="Landmarks"/>, point by point: the person's reference shape.</summary>
    public float[,] MeanLandmarks()
    {
        var r = new float[68, 2];
        foreach (var l in Landmarks)
            for (int i = 0; i < 68; i++) { r[i, 0] += l[i, 0] / Landmarks.Count; r[i, 1] += l[i, 1] / Landmarks.Count; }
        return r;
    }

    public static FineTuneShots FromPhotos(IReadOnlyList<string> photos, int size, FaceAnalyzer analyzer, FaceRecognitionNet? recognition = null, double increase = FaceCrop.DefaultIncrease)
    {
        if (photos.Count is < 1 or > 32) throw new ArgumentException($"fine-tuning takes 1 to 32 photos of one person, got {photos.Count}", nameof(photos));
        var frames = new List<Tensor>();
        var images = new List<Tensor>();
        var landmarks = new List<float[,]>();
        var descriptors = new List<Tensor>();
        try
        {
            foreach (var photo in photos)
            {
                using var scope = NewDisposeScope();
                var image = ImageIO.Read(photo);
                var faces = analyzer.DetectWithLandmarks(image);
                if (faces.Count == 0)
                    throw new InvalidInputException(photo, $"{photo}: no face found; give photos where the person's face is clearly visible");
                var face = faces.OrderByDescending(f => f.Detection.Width * f.Detection.Height).First();
                var box = FaceCrop.Box(face.Detection, increase);
                var points = box.ToCrop(face.Landmarks, size);
                frames.Add(FaceCrop.Cut(image, box, size).MoveToOuterDisposeScope());
                images.Add(LandmarkRaster.Draw(FaceCrop.ToTensor(points), size, size).MoveToOuterDisposeScope());
                landmarks.Add(points);
                if (recognition is not null) descriptors.Add(Descriptor(recognition, image, face.Detection).MoveToOuterDisposeScope());
            }
            Tensor? mean = null;
            if (descriptors.Count > 0) using (var all = stack(descriptors)) mean = all.mean([0]);
            return new FineTuneShots(stack(frames), stack(images), landmarks, mean);
        }
        finally
        {
            foreach (var t in frames.Concat(images).Concat(descriptors)) t.Dispose();
        }
    }

    /// <summary>The 128-D descriptor of the face in <paramref name="box"/>, cut as face-api's extractFaces does (clipped to the picture).</summary>
    public static Tensor Descriptor(FaceRecognitionNet net, Tensor image, FaceDetection box)
    {
        long h = image.shape[1], w = image.shape[2];
        int x = (int)Math.Floor(Math.Max(box.X, 0)), y = (int)Math.Floor(Math.Max(box.Y, 0));
        int cw = (int)Math.Floor(Math.Min(box.X + box.Width, w) - x), ch = (int)Math.Floor(Math.Min(box.Y + box.Height, h) - y);
        using var crop = Geometry.Crop(image, y, x, Math.Max(1, ch), Math.Max(1, cw));
        return net.ComputeFaceDescriptor(crop);
    }

    public void Dispose()
    {
        Frames.Dispose();
        LandmarkImages.Dispose();
        FaceDescriptor?.Dispose();
    }
}
