using Vivify.Faces;

namespace Vivify.Heads.Data;

/// <summary>One training video: its id (its row of W), the person, and its clips.</summary>
public sealed record HeadsVideo(string Id, string Person, IReadOnlyList<HeadsClip> Clips)
{
    /// <summary>Every usable frame of the video: (clip, frame) over all its clips.</summary>
    public IReadOnlyList<(int Clip, int Frame)> Frames { get; } =
        Clips.SelectMany((c, i) => c.Frames.Select(f => (i, f))).ToList();
}

/// <summary>
/// A talking-head dataset. Layouts read, per person folder <c>DIR/PERSON</c>:
/// <list type="bullet">
/// <item>VoxCeleb: <c>DIR/id/video/clip/00000.png …</c> (frame folders) or <c>DIR/id/video/clip.mp4</c>: one video
/// per <c>id/video</c>, its clips pooled;</item>
/// <item>a video folder holding frames itself, <c>DIR/PERSON/video/00000.png …</c>: one video with one clip;</item>
/// <item>videos grouped per person, <c>DIR/PERSON/*.mp4</c>: one video per file.</item>
/// </list>
/// Video ids are "PERSON/VIDEO" (a file's name without extension), in ordinal order; that order is W's. Videos
/// with fewer than two usable frames (frames with a face) are left out, and said so.
/// </summary>
public sealed class HeadsDataset
{
    public static readonly string[] VideoExtensions = [".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v"];

    private HeadsDataset(string root, List<HeadsVideo> videos)
    {
        Root = root;
        Videos = videos;
    }

    public string Root { get; }
    public IReadOnlyList<HeadsVideo> Videos { get; }
    public IReadOnlyList<string> VideoIds => Videos.Select(v => v.Id).ToList();

    /// <param name="faceModels">Directory of the face-api networks, needed only for clips without cached landmarks.</param>
    public static HeadsDataset Open(string root, string? faceModels = null, Action<string>? log = null, CancellationToken cancel = default)
    {
        if (!Directory.Exists(root))
            throw new InvalidInputException(root, File.Exists(root)
                ? $"{root}: is a file; give the dataset directory (DIR/PERSON/VIDEO/… or DIR/PERSON/*.mp4)"
                : $"{root}: no such dataset directory; give DIR/PERSON/VIDEO/CLIP frame folders, DIR/PERSON/*.mp4, or make a synthetic one (vivify heads synth)");
        FaceAnalyzer? analyzer = null;
        try
        {
            FaceAnalyzer Analyzer() => analyzer ??= new FaceAnalyzer(FaceModels.Require(faceModels));
            var videos = new List<HeadsVideo>();
            foreach (var person in Sorted(Directory.GetDirectories(root)))
            {
                var name = Path.GetFileName(person);
                if (name.StartsWith('.')) continue;
                foreach (var file in Sorted(Directory.GetFiles(person)).Where(IsVideo))
                    Add(videos, $"{name}/{Path.GetFileNameWithoutExtension(file)}", name, [file], Analyzer, log, cancel);
                foreach (var video in Sorted(Directory.GetDirectories(person)))
                {
                    if (Path.GetFileName(video).StartsWith('.')) continue;
                    var id = $"{name}/{Path.GetFileName(video)}";
                    if (HeadsClip.FrameFiles(video).Count > 0) { Add(videos, id, name, [video], Analyzer, log, cancel); continue; }
                    var clips = Sorted(Directory.GetDirectories(video)).Where(d => !Path.GetFileName(d).StartsWith('.') && HeadsClip.FrameFiles(d).Count > 0)
                        .Concat(Sorted(Directory.GetFiles(video)).Where(IsVideo)).ToList();
                    if (clips.Count > 0) Add(videos, id, name, clips, Analyzer, log, cancel);
                }
            }
            if (videos.Count == 0)
                throw new InvalidInputException(root, $"{root}: no usable videos (DIR/PERSON/VIDEO/CLIP/00000.png …, DIR/PERSON/VIDEO/00000.png … or DIR/PERSON/*.mp4, with a face in at least two frames); check the layout");
            return new HeadsDataset(root, videos);
        }
        finally
        {
            analyzer?.Dispose();
        }
    }

    private static void Add(List<HeadsVideo> videos, string id, string person, List<string> clipPaths, Func<FaceAnalyzer> analyzer, Action<string>? log, CancellationToken cancel)
    {
        var clips = clipPaths.Select(c => HeadsClip.Open(c, analyzer, log, cancel)).Where(c => c.Frames.Length > 0).ToList();
        var video = new HeadsVideo(id, person, clips);
        if (video.Frames.Count < 2) { log?.Invoke($"{id}: left out, fewer than two frames with a face"); return; }
        videos.Add(video);
    }

    private static bool IsVideo(string file) =>
        VideoExtensions.Contains(Path.GetExtension(file).ToLowerInvariant()) && !Path.GetFileName(file).StartsWith('.');

    private static IEnumerable<string> Sorted(IEnumerable<string> paths) => paths.Order(StringComparer.Ordinal);
}
