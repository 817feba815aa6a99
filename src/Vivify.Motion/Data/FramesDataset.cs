using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Data;

/// <summary>One training pair: source and driving frames, float32 [3, H, W] in [0, 1], and the video's name.</summary>
public sealed record FramePair(Tensor source, Tensor driving, string name) : IDisposable
{
    public void Dispose()
    {
        source.Dispose();
        driving.Dispose();
    }
}

/// <summary>
/// FramesDataset of the published frames_dataset.py over ROOT/train and ROOT/test (or, without them, a random split of
/// the videos in ROOT: <see cref="DatasetSplit"/>): each entry a folder of frames, a video file or a png strip. For training an item is two frames drawn with replacement and sorted, then augmented;
/// with id_sampling the items are the ids (names up to '#') and each draw picks one of that id's .mp4 videos, as
/// published. Randomness comes from the caller's <see cref="Random"/>, so items are reproducible on any thread.
/// </summary>
public sealed class FramesDataset : IDisposable
{
    private readonly VideoReader _reader;
    private readonly Augmentation _augmentation;
    private readonly Dictionary<string, List<string>> _byId = new();

    public FramesDataset(string root_dir, IReadOnlyList<int> frame_shape, bool id_sampling, bool is_train, Augmentation? augmentation)
    {
        if (!Directory.Exists(root_dir)) throw new InvalidInputException(root_dir, $"{root_dir}: dataset directory not found; give a directory holding train/ and test/");
        if (frame_shape.Count < 2) throw new ConfigurationException(null, "config: dataset_params.frame_shape must be [height, width, 3]", key: "dataset_params.frame_shape");
        var predefined = DatasetSplit.HasPredefinedSplit(root_dir);
        if (!predefined && (Directory.Exists(Path.Combine(root_dir, "train")) || Directory.Exists(Path.Combine(root_dir, "test"))))
            throw new InvalidInputException(root_dir, $"{root_dir}: has only one of train/ and test/; add the other, or move the videos to the root for a random split");
        this.root_dir = predefined ? Path.Combine(root_dir, is_train ? "train" : "test") : root_dir;
        this.is_train = is_train;
        this.id_sampling = id_sampling && is_train;
        _reader = new VideoReader(frame_shape[0], frame_shape[1]);
        _augmentation = is_train ? augmentation ?? Augmentation.None : Augmentation.None;

        // Without train/ and test/, the published loader's random split (train_test_split, test_size 0.2); see DatasetSplit.
        var entries = predefined
            ? DatasetSplit.VideosIn(this.root_dir)
            : is_train ? DatasetSplit.RandomSplit(root_dir).Train : DatasetSplit.RandomSplit(root_dir).Test;
        if (this.id_sampling)
        {
            foreach (var p in entries.Where(p => p.EndsWith(".mp4", StringComparison.OrdinalIgnoreCase)))
            {
                var id = Path.GetFileName(p).Split('#')[0];
                if (!_byId.TryGetValue(id, out var list)) _byId[id] = list = new();
                list.Add(p);
            }
            videos = _byId.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        }
        else videos = entries.Select(Path.GetFileName).ToList()!;
        if (videos.Count == 0)
            throw new InvalidInputException(this.root_dir, $"{this.root_dir}: no videos{(this.id_sampling ? " (id_sampling takes NAME#CLIP.mp4 files)" : "")}; add folders of frames, png strips or video files");
    }

    public string root_dir { get; }
    public bool is_train { get; }
    public bool id_sampling { get; }
    public IReadOnlyList<string> videos { get; }
    public int Count => videos.Count;

    /// <summary>The path of item <paramref name="idx"/> (with id sampling, one of the id's videos drawn from <paramref name="rng"/>).</summary>
    private string PathOf(int idx, Random rng)
    {
        if (!id_sampling) return Path.Combine(root_dir, videos[idx]);
        var clips = _byId[videos[idx]];
        return clips[rng.Next(clips.Count)];
    }

    /// <summary>A training pair for item <paramref name="idx"/>.</summary>
    public FramePair GetPair(int idx, Random rng)
    {
        var path = PathOf(idx, rng);
        using var scope = NewDisposeScope();
        var video = _reader.Read(path);
        var n = (int)video.shape[0];
        int a = rng.Next(n), b = rng.Next(n);
        var frames = new long[] { Math.Min(a, b), Math.Max(a, b) };
        var clip = video.index_select(0, tensor(frames)).permute(0, 3, 1, 2).to(ScalarType.Float32).div_(S(255f));
        clip = _augmentation.Apply(clip, rng);
        return new FramePair(clip[0].contiguous().MoveToOuterDisposeScope(), clip[1].contiguous().MoveToOuterDisposeScope(), Path.GetFileName(path));
    }

    /// <summary>Every frame of item <paramref name="idx"/>, float32 [F, 3, H, W] (evaluation); the caller disposes it.</summary>
    public Tensor GetVideo(int idx)
    {
        using var scope = NewDisposeScope();
        var video = _reader.Read(Path.Combine(root_dir, videos[idx]));
        return video.permute(0, 3, 1, 2).to(ScalarType.Float32).div_(S(255f)).MoveToOuterDisposeScope();
    }

    public void Dispose() => _reader.Dispose();
}

/// <summary>DatasetRepeater of the published code: the dataset num_repeats times over, item i being item i mod N.</summary>
public sealed class DatasetRepeater(FramesDataset dataset, int num_repeats)
{
    public FramesDataset dataset { get; } = dataset;
    public int num_repeats { get; } = Math.Max(1, num_repeats);
    public int Count => num_repeats * dataset.Count;
    public FramePair GetPair(int idx, Random rng) => dataset.GetPair(idx % dataset.Count, rng);
}
