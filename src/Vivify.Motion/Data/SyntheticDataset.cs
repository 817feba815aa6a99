using System.Globalization;
using Vivify.Media;
using Vivify.Motion.Evaluation;
using static TorchSharp.torch;

namespace Vivify.Motion.Data;

/// <summary>How <see cref="SyntheticDataset"/> stores each video.</summary>
public enum VideoStorage
{
    /// <summary>One png per video, its frames side by side (the published loader's "image of concatenated frames").</summary>
    Strip,
    /// <summary>A folder of numbered png frames per video.</summary>
    Frames,
}

/// <summary>
/// Writes a <see cref="SyntheticVideos"/> dataset in the published layout: ROOT/train/NAME and ROOT/test/NAME, the
/// last <c>ceil(videos·testFraction)</c> videos held out for testing, and ROOT/tracks.csv with every figure's body
/// centre per frame (for <see cref="KeypointTracking"/>). The directory appears whole or not at all.
/// </summary>
public static class SyntheticDataset
{
    public static (int Train, int Test) Write(string root, int videos, int size, int frames, long seed, VideoStorage storage,
        double testFraction, IProgressReporter progress, CancellationToken cancel = default, int figures = 2)
    {
        if (videos < 2) throw new ArgumentOutOfRangeException(nameof(videos), videos, "give at least 2 videos (one to train on, one to test)");
        if (frames is < 2 or > 10_000) throw new ArgumentOutOfRangeException(nameof(frames), frames, "give 2 to 10000 frames per video");
        if (testFraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "the test fraction must be between 0 and 1");
        var test = Math.Clamp((int)Math.Ceiling(videos * testFraction), 1, videos - 1);
        using var output = AtomicOutput.ForDirectory(root);
        Directory.CreateDirectory(Path.Combine(output.TempPath, "train"));
        Directory.CreateDirectory(Path.Combine(output.TempPath, "test"));
        var tracks = new List<string> { "video,frame,figure,x,y" };
        using (var task = progress.Start("synth", videos, "videos"))
        {
            for (var i = 0; i < videos; i++)
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var video = SyntheticVideos.Generate(seed, i, size, frames, figures, out var centres);
                var split = i < videos - test ? "train" : "test";
                var name = $"shapes{i:D4}";
                for (var f = 0; f < frames; f++)
                    for (var k = 0; k < centres.GetLength(1); k++)
                        tracks.Add(string.Create(CultureInfo.InvariantCulture, $"{name},{f},{k},{centres[f, k, 0]:R},{centres[f, k, 1]:R}"));
                if (storage == VideoStorage.Strip)
                    ImageIO.Write(Path.Combine(output.TempPath, split, name + ".png"), cat(video.unbind(0), dim: 2));
                else
                {
                    var dir = Path.Combine(output.TempPath, split, name);
                    Directory.CreateDirectory(dir);
                    for (var f = 0; f < frames; f++) ImageIO.Write(Path.Combine(dir, $"{f:D5}.png"), video[f]);
                }
                task.Advance();
            }
        }
        File.WriteAllLines(Path.Combine(output.TempPath, KeypointTracking.TracksFile), tracks);
        output.Commit();
        return (videos - test, test);
    }
}
