using OpenCvSharp;
using Vivify.Heads.Data;
using Xunit;

namespace Vivify.Heads.Tests;

public sealed class SyntheticFacesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-heads-synth-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SynthWritesTheVoxCelebLayoutWithOneLandmarkRowPerFrame()
    {
        var root = Path.Combine(_dir, "data");
        SyntheticFaceDataset.Write(root, new SyntheticFaceDataset.Options(Persons: 2, VideosPerPerson: 2, Frames: 3, Size: 64, Seed: 1));
        Assert.Equal(["id00000", "id00001"], Directory.GetDirectories(root).Select(Path.GetFileName).Order());
        Assert.Equal(["video00", "video01"], Directory.GetDirectories(Path.Combine(root, "id00001")).Select(Path.GetFileName).Order());
        var clip = Path.Combine(root, "id00001", "video01", "clip00");
        Assert.Equal(["00000.png", "00001.png", "00002.png", "landmarks.csv"], Directory.GetFiles(clip).Select(Path.GetFileName).Order());
        var landmarks = LandmarkFile.Read(Path.Combine(clip, "landmarks.csv"));
        Assert.Equal([0, 1, 2], landmarks.Keys.Order());
        using var image = Cv2.ImRead(Path.Combine(clip, "00000.png"));
        Assert.Equal((64, 64), (image.Width, image.Height));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(_dir), e => Path.GetFileName(e).Contains("vivify-tmp"));

        var again = Assert.Throws<InvalidOutputException>(() => SyntheticFaceDataset.Write(root, new SyntheticFaceDataset.Options(Persons: 1, Frames: 2)));
        Assert.Contains("not empty", again.Message);
    }

    [Fact]
    public void LandmarksLieOnTheDrawnFace()
    {
        // The jaw and brows outline the face: most pixels inside it have the person's skin colour (the rest are
        // eyes, brows, nose, mouth and texture marks), while the background has another colour.
        const int size = 128;
        for (int person = 0; person < 3; person++)
        {
            var skin = SyntheticFaceDataset.Person(7, person).Skin;
            var video = SyntheticFaceDataset.Video(7, person, 0, size);
            foreach (var t in new[] { 0, 9 })
            {
                var (image, points) = video.Render(t);
                using (image)
                {
                    for (int i = 0; i < 68; i++)
                        Assert.InRange(points[i, 0], 0, size - 1);
                    var outline = Enumerable.Range(0, 17).Concat(Enumerable.Range(17, 10).Reverse())
                        .Select(i => new Point(points[i, 0], points[i, 1])).ToArray();
                    using var mask = new Mat(size, size, MatType.CV_8UC1, Scalar.All(0));
                    Cv2.FillPoly(mask, [outline], Scalar.All(255));
                    int inside = 0, skinLike = 0;
                    for (int y = 0; y < size; y++)
                        for (int x = 0; x < size; x++)
                        {
                            if (mask.At<byte>(y, x) == 0) continue;
                            inside++;
                            var c = image.At<Vec3b>(y, x); // BGR
                            if (Math.Abs(c.Item2 - skin.R) + Math.Abs(c.Item1 - skin.G) + Math.Abs(c.Item0 - skin.B) < 30) skinLike++;
                        }
                    Assert.True(inside > size * size / 20, $"person {person} frame {t}: the face covers only {inside} pixels");
                    Assert.True(skinLike > inside / 2, $"person {person} frame {t}: {skinLike} of {inside} pixels inside the landmarks have the skin colour");
                }
            }
        }
    }

    [Fact]
    public void EyesBlinkAndTheMouthMoves()
    {
        var video = SyntheticFaceDataset.Video(3, 0, 0, 128);
        var eye = new List<double>();
        var mouth = new List<double>();
        for (int t = 0; t < 40; t++)
        {
            var (image, p) = video.Render(t);
            image.Dispose();
            eye.Add(p[41, 1] - p[37, 1]);
            mouth.Add(p[66, 1] - p[62, 1]);
        }
        Assert.True(eye.Min() < 0.3 * eye.Max(), $"eye opening {eye.Min():F2} … {eye.Max():F2} px: no blink");
        Assert.True(mouth.Max() > 3 && mouth.Min() < 0.5, $"mouth opening {mouth.Min():F2} … {mouth.Max():F2} px");
    }

    [Fact]
    public void TheSameSeedGivesTheSameBytes()
    {
        var o = new SyntheticFaceDataset.Options(Persons: 2, VideosPerPerson: 1, Frames: 2, Size: 48, Seed: 4);
        SyntheticFaceDataset.Write(Path.Combine(_dir, "a"), o);
        SyntheticFaceDataset.Write(Path.Combine(_dir, "b"), o);
        SyntheticFaceDataset.Write(Path.Combine(_dir, "c"), o with { Seed = 5 });
        var f = Path.Combine("id00001", "video00", "clip00", "00001.png");
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "a", f)), File.ReadAllBytes(Path.Combine(_dir, "b", f)));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(_dir, "a", f)), File.ReadAllBytes(Path.Combine(_dir, "c", f)));
    }
}
