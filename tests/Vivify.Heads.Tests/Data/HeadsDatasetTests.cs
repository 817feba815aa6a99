using System.Diagnostics;
using Vivify.Heads.Data;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Heads.Tests;

public sealed class HeadsDatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-heads-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Synth(int persons = 2, int videos = 2, int frames = 4, int size = 64)
    {
        var root = Path.Combine(_dir, "synth");
        SyntheticFaceDataset.Write(root, new SyntheticFaceDataset.Options(persons, videos, frames, size, Seed: 2));
        return root;
    }

    [Fact]
    public void ReadsSynthDataCroppedAndResizedWithLandmarkImages()
    {
        var root = Synth();
        // No face networks are needed: synth provides its landmarks (a bad directory would fail if they were).
        var data = HeadsDataset.Open(root, faceModels: Path.Combine(_dir, "no-models"));
        Assert.Equal(["id00000/video00", "id00000/video01", "id00001/video00", "id00001/video01"], data.VideoIds);
        Assert.All(data.Videos, v => Assert.Equal(4, v.Frames.Count));
        Assert.Equal("id00001", data.Videos[3].Person);

        using var scope = NewDisposeScope();
        var (frame, landmarks) = data.Videos[1].Clips[0].Read(2, 32);
        Assert.Equal([3L, 32, 32], frame.shape);
        Assert.Equal([3L, 32, 32], landmarks.shape);
        Assert.InRange(frame.min().item<float>(), 0f, 1f);
        Assert.True(frame.std().item<float>() > 0.05, "the frame is flat");
        var drawn = landmarks.sum(dim: 0).gt(0).sum().item<long>();
        Assert.True(drawn is > 60 and < 32 * 32 / 2, $"{drawn} landmark pixels drawn");

        // The crop is square, inside the 64×64 frames, and holds every landmark of the clip.
        var crop = data.Videos[1].Clips[0].Crop;
        Assert.Equal(crop.Width, crop.Height);
        Assert.True(crop.X >= 0 && crop.Y >= 0 && crop.Right <= 64 && crop.Bottom <= 64);
    }

    [Fact]
    public void ReadsAFolderOfVideosPerPersonWithTheirCachedLandmarks()
    {
        var synth = Synth(persons: 1, videos: 1, frames: 4, size: 64);
        var clip = Path.Combine(synth, "id00000", "video00", "clip00");
        var root = Path.Combine(_dir, "people");
        var video = Path.Combine(root, "alice", "take1.mp4");
        Directory.CreateDirectory(Path.GetDirectoryName(video)!);
        Ffmpeg("-framerate", "10", "-i", Path.Combine(clip, "%05d.png"), "-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv444p", video);
        File.Copy(Path.Combine(clip, "landmarks.csv"), LandmarkFile.PathFor(video));
        File.SetLastWriteTimeUtc(LandmarkFile.PathFor(video), File.GetLastWriteTimeUtc(video).AddSeconds(1));
        Assert.EndsWith(Path.Combine("alice", "take1.landmarks.csv"), LandmarkFile.PathFor(video));

        var data = HeadsDataset.Open(root, faceModels: Path.Combine(_dir, "no-models"));
        Assert.Equal(["alice/take1"], data.VideoIds);
        Assert.Equal(4, data.Videos[0].Frames.Count);

        // The decoded, cropped frame matches the same frame read from the PNG folder.
        var fromFrames = HeadsDataset.Open(synth);
        using var scope = NewDisposeScope();
        var (a, la) = data.Videos[0].Clips[0].Read(3, 32);
        var (b, lb) = fromFrames.Videos[0].Clips[0].Read(3, 32);
        Assert.True((a - b).abs().mean().item<float>() < 0.03, "video frame differs from the PNG frame");
        Assert.Equal(0, (la - lb).abs().max().item<float>());
        Assert.Equal([3L, 24, 24], data.Videos[0].Clips[0].Read(1, 24).Frame.shape); // decoded again at another size
    }

    [Fact]
    public void LandmarksAreDetectedOnceAndCachedBesideTheClip()
    {
        // Two frames of a sample portrait (make setup's data/samples) as a frame folder.
        var clip = Path.Combine(_dir, "faces", "bob", "video", "clip");
        Directory.CreateDirectory(clip);
        var sample = Path.Combine(Fixtures.RepoRoot, "data", "samples", "sample1.jpg");
        var models = Path.Combine(Fixtures.RepoRoot, "data", "face-api", "model");
        Ffmpeg("-i", sample, "-vf", "scale=240:-2", Path.Combine(clip, "00000.png"));
        File.Copy(Path.Combine(clip, "00000.png"), Path.Combine(clip, "00001.png"));
        var cache = Path.Combine(clip, LandmarkFile.FolderFileName);
        var messages = new List<string>();

        var data = HeadsDataset.Open(Path.Combine(_dir, "faces"), models, messages.Add);
        Assert.Single(messages, m => m.Contains("computing face landmarks"));
        Assert.True(File.Exists(cache));
        Assert.Equal(2, data.Videos[0].Frames.Count);
        var written = File.GetLastWriteTimeUtc(cache);

        // Reused: no detection (a missing model directory would fail), the file untouched.
        messages.Clear();
        var again = HeadsDataset.Open(Path.Combine(_dir, "faces"), Path.Combine(_dir, "no-models"), messages.Add);
        Assert.Empty(messages);
        Assert.Equal(written, File.GetLastWriteTimeUtc(cache));
        Assert.Equal(2, again.Videos[0].Frames.Count);

        // A frame newer than the cache makes it stale.
        File.SetLastWriteTimeUtc(Path.Combine(clip, "00001.png"), written.AddSeconds(5));
        var stale = Assert.Throws<Vivify.Faces.FaceModelsMissingException>(() => HeadsDataset.Open(Path.Combine(_dir, "faces"), Path.Combine(_dir, "no-models")));
        Assert.Contains("face-api networks are not there", stale.Message);
    }

    [Fact]
    public void AMissingDatasetIsAOneLineError()
    {
        var e = Assert.Throws<InvalidInputException>(() => HeadsDataset.Open(Path.Combine(_dir, "nothing")));
        Assert.Equal(Path.Combine(_dir, "nothing"), e.Path);
        Assert.Contains("no such dataset directory", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Directory.CreateDirectory(Path.Combine(_dir, "empty", "p"));
        Assert.Contains("no usable videos", Assert.Throws<InvalidInputException>(() => HeadsDataset.Open(Path.Combine(_dir, "empty"))).Message);
    }

    [Fact]
    public void EpisodesDependOnSeedAndStepOnly()
    {
        var data = HeadsDataset.Open(Synth(persons: 3, videos: 1, frames: 5, size: 48));
        var a = new EpisodeSampler(data, batch: 2, k: 2, imageSize: 32, seed: 9);
        var b = new EpisodeSampler(data, batch: 2, k: 2, imageSize: 32, seed: 9);
        var choices = Enumerable.Range(0, 6).Select(s => a.Choose(s)).ToList();
        for (int s = 5; s >= 0; s--) // any order, another sampler: the same draws
            Assert.Equal(Describe(choices[s]), Describe(b.Choose(s)));
        Assert.True(choices.Select(Describe).Distinct().Count() > 3, "steps draw different episodes");
        Assert.NotEqual(Describe(choices[0]), Describe(new EpisodeSampler(data, 2, 2, 32, seed: 10).Choose(0)));
        foreach (var c in choices)
        {
            Assert.Equal(2, c.Select(e => e.Video).Distinct().Count());
            Assert.All(c, e => Assert.Equal(3, e.Frames.Distinct().Count()));
        }

        using var scope = NewDisposeScope();
        var e1 = a.Sample(4);
        var e2 = b.Sample(4);
        Assert.Equal([2L, 2, 3, 32, 32], e1.Frames.shape);
        Assert.Equal([2L, 3, 32, 32], e1.TargetLandmarks.shape);
        Assert.True(e1.Frames.eq(e2.Frames).all().item<bool>() && e1.TargetFrame.eq(e2.TargetFrame).all().item<bool>());
        Assert.Equal(choices[4].Select(c => (long)c.Video).ToArray(), e1.VideoIndex.data<long>().ToArray());
        // The target is the last drawn frame.
        var (target, _) = data.Videos[choices[4][1].Video].Clips[0].Read(choices[4][1].Frames[2].Frame, 32);
        Assert.True(target.eq(e1.TargetFrame[1]).all().item<bool>());
    }

    private static string Describe(IReadOnlyList<(int Video, (int Clip, int Frame)[] Frames)> c) =>
        string.Join(";", c.Select(e => e.Video + ":" + string.Join(",", e.Frames.Select(f => f.Frame))));

    private static void Ffmpeg(params string[] args) => FfmpegRunner.Run(args);
}
