using OpenCvSharp;
using Vivify.Faces;
using Vivify.Media;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Heads.Data;

/// <summary>
/// One clip of a talking-head dataset (a folder of numbered frames or a video file): its landmarks (from the
/// cache beside it, else computed with Vivify.Faces and cached), and a fixed square crop around the face over the
/// whole clip (the box of all its landmarks enlarged <see cref="CropScale"/>×, moved and shrunk to lie inside the
/// frame), which every frame is cut to and resized to the model's image size.
/// </summary>
public sealed class HeadsClip
{
    /// <summary>Side of the crop as a multiple of the larger side of the clip's landmark box.</summary>
    public const double CropScale = 1.8;

    private readonly IReadOnlyList<string>? _files;
    private readonly Dictionary<int, float[,]> _landmarks;
    private readonly Rect _crop;
    private byte[][]? _decoded;   // a video file's frames, cropped and resized to _decodedSize, decoded once on first use
    private int _decodedSize;

    private HeadsClip(string path, IReadOnlyList<string>? files, Dictionary<int, float[,]> landmarks, int width, int height)
    {
        Source = path;
        _files = files;
        _landmarks = landmarks;
        Frames = landmarks.Keys.Order().ToArray();
        _crop = CropBox(landmarks.Values, width, height);
    }

    public string Source { get; }

    /// <summary>Frame numbers that have landmarks (the usable ones), ascending.</summary>
    public int[] Frames { get; }

    /// <summary>The face crop in the clip's pixels.</summary>
    public Rect Crop => _crop;

    /// <summary>
    /// Opens <paramref name="path"/>: reads its landmark cache when present and not older than the clip, else runs
    /// <paramref name="analyzer"/> (made on first need) over every frame and writes the cache.
    /// </summary>
    public static HeadsClip Open(string path, Func<FaceAnalyzer> analyzer, Action<string>? log, CancellationToken cancel)
    {
        var files = Directory.Exists(path) ? FrameFiles(path) : null;
        var cache = LandmarkFile.PathFor(path);
        var clipTime = files is null ? File.GetLastWriteTimeUtc(path) : files.Max(File.GetLastWriteTimeUtc);
        Dictionary<int, float[,]> landmarks;
        if (File.Exists(cache) && File.GetLastWriteTimeUtc(cache) >= clipTime) landmarks = LandmarkFile.Read(cache);
        else
        {
            log?.Invoke($"{path}: computing face landmarks (cached in {cache})");
            landmarks = Detect(path, files, analyzer(), cancel);
            LandmarkFile.Write(cache, landmarks);
        }
        var (width, height) = Size(path, files);
        return new HeadsClip(path, files, landmarks, width, height);
    }

    /// <summary>Frame <paramref name="frame"/> cropped and resized to <paramref name="size"/> ([3,S,S] in [0,1]) and its landmark image (<see cref="LandmarkRaster"/>).</summary>
    public (Tensor Frame, Tensor Landmarks) Read(int frame, int size)
    {
        if (!_landmarks.TryGetValue(frame, out var points)) throw new ArgumentOutOfRangeException(nameof(frame), $"{Source}: frame {frame} has no landmarks");
        byte[] rgb;
        if (_files is not null)
        {
            using var bgr = Cv2.ImRead(_files[frame], ImreadModes.Color);
            if (bgr.Empty()) throw new InvalidInputException(_files[frame], $"{_files[frame]}: not a picture OpenCV can read; replace or remove it");
            if (bgr.Width < _crop.Right || bgr.Height < _crop.Bottom)
                throw new InvalidInputException(_files[frame], $"{_files[frame]}: is {bgr.Width}x{bgr.Height}, smaller than the clip's first frame; give every frame of a clip the same size");
            rgb = CropResize(bgr, size);
        }
        else
        {
            if (_decoded is null || _decodedSize != size) (_decoded, _decodedSize) = (DecodeVideo(size), size);
            rgb = _decoded[frame];
        }
        using var scope = NewDisposeScope();
        var image = tensor(rgb, [size, size, 3]).permute(2, 0, 1).to_type(ScalarType.Float32).div_(S(255f));
        var s = (double)size / _crop.Width;
        var xy = new float[136];
        for (int i = 0; i < 68; i++)
        {
            xy[2 * i] = (float)((points[i, 0] - _crop.X) * s);
            xy[2 * i + 1] = (float)((points[i, 1] - _crop.Y) * s);
        }
        var raster = LandmarkRaster.Draw(tensor(xy, [68, 2]), size, size);
        return (image.MoveToOuterDisposeScope(), raster.MoveToOuterDisposeScope());
    }

    /// <summary>The numbered pictures of a frame folder in numeric order (as Vivify.Media orders them).</summary>
    public static IReadOnlyList<string> FrameFiles(string dir) =>
        Directory.GetFiles(dir)
            .Where(f => InputPath.IsImageFile(f) && !System.IO.Path.GetFileName(f).StartsWith('.') && NumberOf(f) is not null)
            .OrderBy(f => NumberOf(f)!.Length).ThenBy(f => NumberOf(f), StringComparer.Ordinal).ThenBy(f => f, StringComparer.Ordinal)
            .ToList();

    private static string? NumberOf(string file)
    {
        var m = System.Text.RegularExpressions.Regex.Match(System.IO.Path.GetFileNameWithoutExtension(file), @"\d+");
        return m.Success ? m.Value : null;
    }

    private static (int, int) Size(string path, IReadOnlyList<string>? files)
    {
        if (files is null) { var info = VideoSource.Open(path).Info; return (info.Width, info.Height); }
        using var first = Cv2.ImRead(files[0], ImreadModes.Color);
        if (first.Empty()) throw new InvalidInputException(files[0], $"{files[0]}: not a picture OpenCV can read; replace or remove it");
        return (first.Width, first.Height);
    }

    private static Dictionary<int, float[,]> Detect(string path, IReadOnlyList<string>? files, FaceAnalyzer analyzer, CancellationToken cancel)
    {
        var result = new Dictionary<int, float[,]>();
        void Add(int t, Func<Tensor> image)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var faces = analyzer.DetectWithLandmarks(image());
            if (faces.Count > 0) result[t] = faces[0].Landmarks; // the best-scoring face
        }
        if (files is not null)
            for (int t = 0; t < files.Count; t++)
            {
                using var bgr = Cv2.ImRead(files[t], ImreadModes.Color);
                if (bgr.Empty()) throw new InvalidInputException(files[t], $"{files[t]}: not a picture OpenCV can read; replace or remove it");
                Add(t, () => BgrTensor(bgr));
            }
        else
        {
            int t = 0;
            foreach (var f in VideoSource.Open(path).Frames(0, null, cancel)) Add(t++, f.ToTensor);
        }
        return result;
    }

    private static Tensor BgrTensor(Mat bgr)
    {
        using var rgb = new Mat();
        Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
        int width = rgb.Width, height = rgb.Height;
        var bytes = new byte[width * height * 3];
        for (int y = 0; y < height; y++) System.Runtime.InteropServices.Marshal.Copy(rgb.Ptr(y), bytes, y * width * 3, width * 3);
        return new RgbFrame(width, height, bytes).ToTensor();
    }

    /// <summary>The landmarks' box over the clip, enlarged and made square, moved (and if need be shrunk) into the frame.</summary>
    internal static Rect CropBox(IEnumerable<float[,]> landmarks, int width, int height)
    {
        double x0 = double.MaxValue, y0 = double.MaxValue, x1 = double.MinValue, y1 = double.MinValue;
        foreach (var p in landmarks)
            for (int i = 0; i < 68; i++)
            {
                x0 = Math.Min(x0, p[i, 0]); x1 = Math.Max(x1, p[i, 0]);
                y0 = Math.Min(y0, p[i, 1]); y1 = Math.Max(y1, p[i, 1]);
            }
        if (x0 > x1) return new Rect(0, 0, 1, 1); // no landmarks: the clip has no usable frames
        var side = (int)Math.Round(Math.Min(Math.Min(width, height), CropScale * Math.Max(x1 - x0, y1 - y0)));
        side = Math.Max(1, side);
        var left = (int)Math.Round((x0 + x1) / 2 - side / 2.0);
        var top = (int)Math.Round((y0 + y1) / 2 - side / 2.0);
        return new Rect(Math.Clamp(left, 0, width - side), Math.Clamp(top, 0, height - side), side, side);
    }

    private byte[] CropResize(Mat bgr, int size)
    {
        using var cut = new Mat(bgr, _crop);
        using var resized = new Mat();
        Cv2.Resize(cut, resized, new OpenCvSharp.Size(size, size), 0, 0, size < _crop.Width ? InterpolationFlags.Area : InterpolationFlags.Linear);
        using var rgb = new Mat();
        Cv2.CvtColor(resized, rgb, ColorConversionCodes.BGR2RGB);
        var bytes = new byte[size * size * 3];
        for (int y = 0; y < size; y++) System.Runtime.InteropServices.Marshal.Copy(rgb.Ptr(y), bytes, y * size * 3, size * 3);
        return bytes;
    }

    private byte[][] DecodeVideo(int size)
    {
        var frames = new List<byte[]>();
        foreach (var f in VideoSource.Open(Source).Frames())
        {
            using var rgb = Mat.FromPixelData(f.Height, f.Width, MatType.CV_8UC3, f.Data);
            using var bgr = new Mat();
            Cv2.CvtColor(rgb, bgr, ColorConversionCodes.RGB2BGR);
            frames.Add(CropResize(bgr, size));
        }
        if (frames.Count <= Frames[^1])
            throw new InvalidInputException(Source, $"{Source}: has {frames.Count} frames but its landmarks name frame {Frames[^1]}; delete {LandmarkFile.PathFor(Source)} to recompute them");
        return frames.ToArray();
    }
}
