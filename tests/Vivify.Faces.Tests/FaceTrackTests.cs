using Vivify.Media;
using Xunit;

namespace Vivify.Faces.Tests;

/// <summary>The driving face followed through a video: smoothed boxes, lost faces, jumps and scene cuts.</summary>
public class FaceTrackTests
{
    private const double Fps = 25;

    private static FaceDetection Face(double cx, double cy, double side = 80) => new(0.9, cx - side / 2, cy - side / 2, side, side);

    /// <summary>A plain frame of one colour (for the colour-histogram cut detector).</summary>
    private static RgbFrame Plain(int width, int height, byte r, byte g, byte b)
    {
        var data = new byte[width * height * 3];
        for (var i = 0; i < data.Length; i += 3) { data[i] = r; data[i + 1] = g; data[i + 2] = b; }
        return new RgbFrame(width, height, data);
    }

    [Fact]
    public void A_face_moving_steadily_is_followed_with_a_smoothed_square_and_no_cut()
    {
        var track = new FaceTrack(Fps);
        for (var i = 0; i < 50; i++) track.Add([Face(200 + 2 * i, 150)]);
        var result = track.Finish("moving.mp4");
        Assert.Equal(new[] { 0 }, result.TrackStarts);
        Assert.Equal(0, result.FramesWithoutFace);
        Assert.Equal(50, result.Boxes.Count);
        Assert.Equal(FaceFraming.Square(Face(200, 150)), result.Boxes[0]); // the first frame passes unchanged
        // crop-video.py's square: (1 + 2 × 0.5) × 80 = 160 pixels.
        Assert.All(result.Boxes, b => Assert.Equal(160, b.Side));
        // Followed with a lag of a few pixels at 50 px/s, never ahead of the face.
        for (var i = 10; i < 50; i++)
        {
            var lag = 200 + 2 * i - result.Boxes[i].CenterX;
            Assert.InRange(lag, 0, 8);
        }
    }

    [Fact]
    public void Jitter_of_a_still_face_is_smoothed()
    {
        var track = new FaceTrack(Fps);
        var random = new Random(1);
        var raw = new List<double>();
        for (var i = 0; i < 100; i++)
        {
            var x = 300 + (random.NextDouble() - 0.5) * 10;
            raw.Add(x);
            track.Add([Face(x, 200)]);
        }
        var boxes = track.Finish("still.mp4").Boxes;
        static double Spread(IEnumerable<double> v) { var a = v.ToList(); var m = a.Average(); return Math.Sqrt(a.Average(x => (x - m) * (x - m))); }
        var rawSpread = Spread(raw.Skip(20));
        var smoothSpread = Spread(boxes.Skip(20).Select(b => b.CenterX));
        Assert.True(smoothSpread < rawSpread * 0.7, $"smoothed spread {smoothSpread:F2} px, raw {rawSpread:F2} px");
    }

    [Fact]
    public void A_face_that_jumps_begins_a_new_track_whose_first_box_is_the_new_face_unsmoothed()
    {
        var track = new FaceTrack(Fps);
        for (var i = 0; i < 10; i++) track.Add([Face(150, 150)]);
        for (var i = 0; i < 10; i++) track.Add([Face(600, 400)]);
        var result = track.Finish("cut.mp4");
        Assert.Equal(new[] { 0, 10 }, result.TrackStarts);
        Assert.Equal(new[] { 10 }, result.Cuts);
        Assert.Equal(FaceFraming.Square(Face(150, 150)), result.Boxes[9]);
        Assert.Equal(FaceFraming.Square(Face(600, 400)), result.Boxes[10]); // no smoothing across the cut
    }

    [Fact]
    public void A_cut_to_another_shot_with_the_face_in_the_same_place_is_seen_from_the_colours()
    {
        var track = new FaceTrack(Fps);
        var red = Plain(64, 48, 200, 40, 40);
        var blue = Plain(64, 48, 30, 60, 210);
        for (var i = 0; i < 6; i++) track.Add([Face(30, 24, 20)], red);
        for (var i = 0; i < 6; i++) track.Add([Face(31, 24, 20)], blue);
        Assert.Equal(new[] { 0, 6 }, track.Finish("shots.mp4").TrackStarts);
    }

    /// <summary>
    /// A real clip made by joining three, 40 frames of each, scaled to 320×240, H.264 at 25 fps:
    /// Megamind.avi from frame 2 (one shot), vtest.avi (a street) and tree.avi from frame 28 (a hand passing before
    /// the camera as the exposure changes: the largest change within a shot measured, 0.084), then sample1.jpg and
    /// sample2.jpg, five frames each. The cuts are found where the parts join (vtest → tree is the closest pair of
    /// clips, 0.52; sample1 → sample2 two portraits), and no other (the threshold's margins
    /// are measured in bench/faces/scenecut-results.md). The face detections are a still box, so only the colours cut.
    /// </summary>
    [Fact]
    public void In_a_real_concatenated_clip_the_cut_is_found_and_no_other()
    {
        var dir = Directory.CreateTempSubdirectory("vivify-cut-").FullName;
        try
        {
            var clip = Path.Combine(dir, "joined.mp4");
            static string Sample(string name) => Path.Combine(Vivify.TestSupport.Fixtures.RepoRoot, "data", "samples", name);
            using (var writer = new VideoWriter(clip))
            {
                foreach (var (name, from) in new[] { ("Megamind.avi", 2), ("vtest.avi", 0), ("tree.avi", 28) })
                    foreach (var frame in VideoSource.Open(Sample(name)).Frames(from, 40))
                    {
                        using var scope = TorchSharp.torch.NewDisposeScope();
                        writer.Write(Geometry.Resize(frame.ToTensor(), 240, 320));
                    }
                // Then two photographs, five frames each: a cut between two portraits (0.31 to 0.64; the former threshold, 0.5, missed most).
                foreach (var photo in new[] { "sample1.jpg", "sample2.jpg" })
                {
                    using var scope = TorchSharp.torch.NewDisposeScope();
                    var still = Geometry.Resize(ImageIO.Read(Sample(photo)), 240, 320);
                    for (var i = 0; i < 5; i++) writer.Write(still);
                }
                writer.Complete();
            }
            var track = new FaceTrack(Fps);
            foreach (var frame in VideoSource.Open(clip).Frames()) track.Add([Face(160, 120, 60)], frame);
            var result = track.Finish(clip);
            Assert.Equal(130, result.Boxes.Count);
            Assert.Equal(new[] { 40, 80, 120, 125 }, result.Cuts);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_track_of_a_frame_is_the_last_start_at_or_before_it()
    {
        var result = new FaceTrackResult(Enumerable.Repeat(new SquareBox(0, 0, 10), 20).ToList(), [0, 7, 12], 0);
        Assert.Equal(new[] { 0, 0, 7, 7, 12, 12 }, new[] { 0, 6, 7, 11, 12, 40 }.Select(result.TrackOf));
    }

    [Fact]
    public void Frames_without_a_face_keep_the_last_good_box_and_are_counted_and_frames_before_the_first_face_take_its_box()
    {
        var track = new FaceTrack(Fps);
        track.Add([]);
        track.Add([]);
        for (var i = 0; i < 3; i++) track.Add([Face(200, 200)]);
        for (var i = 0; i < 4; i++) track.Add([]);
        track.Add([Face(204, 200)]);
        var result = track.Finish("lost.mp4");
        Assert.Equal(6, result.FramesWithoutFace);
        Assert.Equal(new[] { 0 }, result.TrackStarts); // the face came back where it was: the same track
        var first = FaceFraming.Square(Face(200, 200));
        Assert.Equal(first, result.Boxes[0]);
        Assert.Equal(first, result.Boxes[1]);
        Assert.Equal(result.Boxes[4], result.Boxes[8]);
    }

    [Fact]
    public void Among_several_faces_the_one_that_continues_the_track_is_followed()
    {
        var track = new FaceTrack(Fps);
        track.Add([Face(100, 100, 60)]);
        for (var i = 0; i < 5; i++) track.Add([Face(400, 100, 120), Face(102 + i, 100, 60)]); // a larger face enters
        var result = track.Finish("two.mp4");
        Assert.Equal(new[] { 0 }, result.TrackStarts);
        Assert.All(result.Boxes, b => Assert.InRange(b.CenterX, 95, 110));
    }

    [Fact]
    public void A_video_without_a_face_is_a_one_line_error_suggesting_the_whole_frame()
    {
        var track = new FaceTrack(Fps);
        for (var i = 0; i < 3; i++) track.Add([]);
        var e = Assert.Throws<NoFaceException>(() => track.Finish("empty.mp4"));
        Assert.Contains("empty.mp4: no face found in any of its 3 frames", e.Message);
        Assert.Equal("empty.mp4", e.Path);
        Assert.Contains("or animate the whole frame", e.Message);
        Assert.DoesNotContain("--", e.Message); // a library message names no command-line option
        Assert.DoesNotContain('\n', e.Message);
    }
}
