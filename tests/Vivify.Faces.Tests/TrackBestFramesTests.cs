using Vivify.Media;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Faces.Tests;

/// <summary>
/// The best frame of each track under paste and crop (the published demo's find_best_frame on tracked crops), with
/// the face-api networks on a sample portrait: the frame that is the source itself is the best of its track.
/// </summary>
public class TrackBestFramesTests
{
    private static RgbFrame Mirrored(RgbFrame frame)
    {
        using var scope = NewDisposeScope();
        return RgbFrame.FromTensor(frame.ToTensor().flip(2));
    }

    private static RgbFrame Grey(int width, int height) => new(width, height, Enumerable.Repeat((byte)128, width * height * 3).ToArray());

    [Fact]
    public void In_each_track_the_crop_whose_landmarks_match_the_source_crops_is_the_initial_frame()
    {
        using var analyzer = new FaceAnalyzer(FaceData.ModelDir);
        using var scope = NewDisposeScope();
        var portrait = ImageIO.ReadFrame(FaceData.Sample(2));
        var face = new FaceFinder(analyzer, 1024).Find(portrait).OrderByDescending(f => f.Detection.Area).First();
        var box = FaceFraming.Square(face);
        var sourceCrop = FrameRegion.Cut(portrait, box, 256, 256);
        // Three tracks: [mirrored, the portrait, mirrored], [mirrored, the portrait], [grey] (where the tracker found no face).
        var mirrored = Mirrored(portrait);
        var grey = Grey(portrait.Width, portrait.Height);
        RgbFrame[] driving = [mirrored, portrait, mirrored, mirrored, portrait, grey];
        var track = new FaceTrackResult(Enumerable.Repeat(box, driving.Length).ToList(), [0, 3, 5], 1, [true, true, true, true, true, false]);

        using var found = TrackBestFrames.Find(analyzer, sourceCrop, driving, track, "driving.mp4");
        Assert.Equal(new Dictionary<int, int> { [0] = 1, [3] = 4 }, found.Initial.Frames);
        Assert.Equal((5, 6), (found.CropsWithFace, found.Crops));
        // The crop kept is the frame's crop, which is the source's.
        Assert.True(found.Initial.CropOf(0)!.equal(sourceCrop).all().item<bool>());

        var none = Assert.Throws<NoFaceException>(() => TrackBestFrames.Find(analyzer, sourceCrop, [grey, grey], new FaceTrackResult([box, box], [0], 2, [false, false]), "grey.mp4"));
        Assert.Equal("grey.mp4", none.Path);
        Assert.DoesNotContain('\n', none.Message);
    }
}
