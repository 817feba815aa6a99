using System.Diagnostics;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Media.Tests;

/// <summary>Tests that measure the process (resident memory) run alone, after the parallel ones: resident memory is
/// the whole process's, and other test classes running beside it grew it past the bound (92.6 MB once on a clean clone).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMeasurementCollection
{
    public const string Name = "process measurements";
}

[Collection(ProcessMeasurementCollection.Name)]
public class SampleStreamingTests(Xunit.Abstractions.ITestOutputHelper log)
{
    [Fact]
    public void MegamindReadsFrameByFrameWithFlatMemory()
    {
        var path = MediaScratch.Sample("Megamind.avi");
        var src = VideoSource.Open(path);
        Assert.Equal((720, 528), (src.Info.Width, src.Info.Height));
        Assert.Equal(270, src.Info.FrameCount);
        Assert.NotNull(src.Info.Audio);
        long frameBytes = 720L * 528 * 3 * 4; // one float frame
        long managedAt20 = 0, rssAt20 = 0, peakRss = 0, managedEnd = 0;
        int n = 0;
        double sum = 0;
        foreach (var t in src.Tensors())
        {
            using var scope = NewDisposeScope();
            using var _ = t;
            sum += t.mean().item<float>();
            n++;
            if (n == 20)
            {
                managedAt20 = GC.GetTotalMemory(forceFullCollection: true);
                rssAt20 = Process.GetCurrentProcess().WorkingSet64;
            }
            if (n > 20) peakRss = Math.Max(peakRss, Process.GetCurrentProcess().WorkingSet64);
        }
        managedEnd = GC.GetTotalMemory(forceFullCollection: true);
        Assert.Equal(270, n);
        log.WriteLine($"managed growth {(managedEnd - managedAt20) / 1e6:F2} MB, resident growth {(peakRss - rssAt20) / 1e6:F1} MB (rss at frame 20 {rssAt20 / 1e6:F0} MB); one float frame {frameBytes / 1e6:F1} MB");
        Assert.True(sum / n > 0.05, "frames have content");
        // The whole clip as float tensors would be 270 × 4.6 MB ≈ 1.2 GB; streaming keeps a few frames.
        Assert.True(managedEnd - managedAt20 < 8 * 1024 * 1024, $"managed memory grew by {(managedEnd - managedAt20) / 1e6:F1} MB");
        Assert.True(peakRss - rssAt20 < 20 * frameBytes, $"resident memory grew by {(peakRss - rssAt20) / 1e6:F1} MB over 250 frames");
    }
}
