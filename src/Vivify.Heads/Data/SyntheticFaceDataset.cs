using OpenCvSharp;
using Vivify.Media;

namespace Vivify.Heads.Data;

/// <summary>
/// Writes a synthetic talking-face dataset in the VoxCeleb layout: <c>DIR/idNNNNN/videoNN/clip00/00000.png …</c>
/// with <c>landmarks.csv</c> (<see cref="LandmarkFile"/>) in each clip folder. Person p's face comes from a
/// generator seeded by (seed, p), video v's motion and background from (seed, p, v): the same seed gives the same
/// bytes, and adding persons or videos leaves the existing ones unchanged.
/// </summary>
public static class SyntheticFaceDataset
{
    public sealed record Options(int Persons = 8, int VideosPerPerson = 3, int Frames = 32, int Size = 128, long Seed = 0);

    public static string PersonId(int p) => $"id{p:D5}";

    public static string VideoId(int v) => $"video{v:D2}";

    public static SyntheticFaceShape Person(long seed, int person) => new(new Random(Seeds.Mix(seed, person)));

    public static SyntheticFaces Video(long seed, int person, int video, int size) =>
        new(Person(seed, person), size, new Random(Seeds.Mix(seed, person, video, 1)));

    /// <summary>Writes the dataset to <paramref name="dir"/> (which must not exist or be empty), atomically; <paramref name="advance"/> is told of each frame.</summary>
    public static void Write(string dir, Options o, Action? advance = null, CancellationToken cancel = default)
    {
        Validate(o);
        if (File.Exists(dir) || (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any()))
            throw new InvalidOutputException(dir, $"{dir}: already exists and is not empty; choose a new directory for the synthetic dataset");
        using var output = AtomicOutput.ForDirectory(dir);
        for (int p = 0; p < o.Persons; p++)
        {
            for (int v = 0; v < o.VideosPerPerson; v++)
            {
                var clip = Path.Combine(output.TempPath, PersonId(p), VideoId(v), "clip00");
                Directory.CreateDirectory(clip);
                var video = Video(o.Seed, p, v, o.Size);
                var landmarks = new Dictionary<int, float[,]>();
                for (int t = 0; t < o.Frames; t++)
                {
                    cancel.ThrowIfCancellationRequested();
                    var (image, points) = video.Render(t);
                    using (image)
                        if (!Cv2.ImWrite(Path.Combine(clip, $"{t:D5}.png"), image))
                            throw new InvalidOutputException(clip, $"{clip}: could not write frame {t}; check the disk");
                    landmarks[t] = points;
                    advance?.Invoke();
                }
                LandmarkFile.Write(Path.Combine(clip, LandmarkFile.FolderFileName), landmarks);
            }
        }
        output.Commit();
    }

    public static void Validate(Options o)
    {
        if (Problem(o) is { } problem) throw new ArgumentOutOfRangeException(nameof(o), problem);
    }

    /// <summary>What is out of range in <paramref name="o"/> (the option's name, its value and the range), or null.</summary>
    public static string? Problem(Options o) =>
        o.Persons is < 1 or > 100000 ? $"persons {o.Persons}: give 1 to 100000"
        : o.VideosPerPerson is < 1 or > 100 ? $"videos-per-person {o.VideosPerPerson}: give 1 to 100"
        : o.Frames is < 2 or > 100000 ? $"frames {o.Frames}: give 2 to 100000 (an episode needs at least two frames of a video)"
        : o.Size is < 32 or > 1024 ? $"size {o.Size}: give 32 to 1024 pixels"
        : null;
}
