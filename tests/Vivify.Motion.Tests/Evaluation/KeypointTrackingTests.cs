using Vivify.Motion.Data;
using Vivify.Motion.Evaluation;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

public class KeypointTrackingTests
{
    [Fact]
    public void Synth_writes_the_figure_centres_and_a_keypoint_on_a_figure_follows_it_with_gain_one()
    {
        var root = Path.Combine(Path.GetTempPath(), "vivify-tracks-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            SyntheticDataset.Write(root, 3, 64, 8, seed: 4, VideoStorage.Strip, 0.2, NoProgress.Instance);
            var tracks = KeypointTracking.LoadTracks(Path.Combine(root, KeypointTracking.TracksFile));
            Assert.Equal(["shapes0000", "shapes0001", "shapes0002"], tracks.Keys.Order());
            using var video = SyntheticVideos.Generate(4, 1, 64, 8, 2, out var centres);
            var t = tracks["shapes0001"];
            Assert.Equal((8, 2, 2), (t.GetLength(0), t.GetLength(1), t.GetLength(2)));
            Assert.Equal(centres[5, 1, 0], t[5, 1, 0]);
            Assert.Equal(centres[7, 0, 1], t[7, 0, 1]);

            // Keypoint 0 rides on figure 1 (offset), keypoint 1 stays still, keypoint 2 moves at half figure 0's pace.
            var kp = new float[8, 3, 2];
            for (var f = 0; f < 8; f++)
            {
                kp[f, 0, 0] = t[f, 1, 0] + 0.1f; kp[f, 0, 1] = t[f, 1, 1] - 0.2f;
                kp[f, 1, 0] = 0.3f; kp[f, 1, 1] = -0.3f;
                kp[f, 2, 0] = 0.5f * t[f, 0, 0]; kp[f, 2, 1] = 0.5f * t[f, 0, 1];
            }
            var scores = KeypointTracking.Score([new VideoReconstruction("shapes0001", 8, 0.1, 0.2, kp)], tracks);
            Assert.Equal(3, scores.Count);
            Assert.Equal(1, scores[0].Figure);
            Assert.InRange(scores[0].Correlation, 0.999, 1.0001);
            Assert.InRange(scores[0].Gain, 0.999, 1.001);
            Assert.Equal(0, scores[1].Correlation);
            Assert.Equal(0, scores[2].Figure);
            Assert.InRange(scores[2].Gain, 0.499, 0.501);
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public void Synthetic_motion_is_large_so_repeating_the_first_frame_is_a_poor_reconstruction()
    {
        double sum = 0;
        for (var i = 0; i < 4; i++)
        {
            using var video = SyntheticVideos.Generate(1, i, 64, 32);
            using var l1 = (video - video[..1]).abs().mean();
            sum += l1.item<float>();
        }
        Assert.True(sum / 4 >= 0.05, $"copy-the-first-frame L1 {sum / 4}");
    }
}
