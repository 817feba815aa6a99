using Xunit;

namespace Vivify.Faces.Tests;

public class CropSegmentsTests
{
    private static FaceDetection Box(double x, double y, double w, double h) => new(0.9, x, y, w, h);

    [Fact]
    public void AContinuousFaceBecomesOneEnlargedSegment()
    {
        var c = new CropSegments(640, 480) { MinFrames = 3 };
        c.Add([Box(100, 100, 80, 100)]);
        c.Add([Box(104, 100, 80, 100)]);   // tube grows to x 100..184
        c.Add([Box(102, 98, 80, 100)]);    // and y 98..200
        c.Add([]);                          // the face is gone: the trajectory ends
        var s = Assert.Single(c.Finish());
        Assert.Equal((0L, 3L), (s.Start, s.End));
        // width 84, height 102: width grows by max(0.1, (1.2*102 - 84) / 168) = 0.2286, 19.2 px each side;
        // height by max(0.1, (1.2*84 - 102)/204) = 0.1 → 10.2 px.
        Assert.Equal((80, 87, 123, 123), (s.Left, s.Top, s.Width, s.Height));   // int(80.8), int(87.8) to int(203.2), int(210.2)
    }

    [Fact]
    public void ShortTrajectoriesAndSeparateFacesAreKeptApart()
    {
        var c = new CropSegments(640, 480) { MinFrames = 2 };
        c.Add([Box(2, 10, 50, 50), Box(400, 300, 60, 60)]);
        c.Add([Box(4, 10, 50, 50), Box(402, 300, 60, 60)]);
        c.Add([Box(4, 12, 50, 50)]);                       // the second face leaves after 2 frames
        c.Add([Box(300, 10, 50, 50)]);                     // a new face far away: the first ends (3 frames)
        var segments = c.Finish();                          // the last one (1 frame) is too short
        Assert.Equal(2, segments.Count);
        Assert.Equal((0L, 3L), (segments[0].Start, segments[0].End));
        Assert.Equal(0, segments[0].Left);                  // int(2 - 5.4) = -3, clipped at the frame's edge
        Assert.Equal((0L, 2L), (segments[1].Start, segments[1].End));
        Assert.True(segments[1].Left > 300);
    }
}
