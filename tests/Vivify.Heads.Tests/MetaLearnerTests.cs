using Vivify.Torch.Modules;
using System.Diagnostics;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vivify.Heads.Tests;

public class MetaLearnerTests
{
    private readonly ITestOutputHelper _output;
    public MetaLearnerTests(ITestOutputHelper output) => _output = output;

    /// <summary><see cref="HeadsConfig.Tiny"/> at 32×32 (VGG19 dominates a step's cost, so the loops use the smallest frames it takes).</summary>
    private static readonly HeadsConfig Micro = HeadsConfig.Tiny with { ImageSize = 32, AttentionDownResolution = 8, AttentionUpResolution = 16 };

    /// <summary>Networks for 3 training videos and the content loss with a randomly initialised VGG19.</summary>
    private static MetaLearner Build(HeadsConfig config) =>
        new(config, new Embedder(config), new Generator(config), new Discriminator(config, num_videos: 3),
            new ContentLoss(config, new Vgg19Features(), null));

    /// <summary>A fixed batch: 2 episodes (videos 2 and 0) of K + 1 random frames and landmark images.</summary>
    private static Episode RandomEpisode(HeadsConfig c)
    {
        long s = c.ImageSize;
        return new Episode(rand([2, c.KShot, 3, s, s]), rand([2, c.KShot, 3, s, s]), rand(2, 3, s, s), rand(2, 3, s, s),
            tensor(new long[] { 2, 0 }));
    }

    [Fact]
    public void StepsOnAFixedBatchReduceTheGeneratorLoss()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(11);
        using var learner = Build(Micro);
        var episode = RandomEpisode(Micro);
        var clock = Stopwatch.StartNew();
        var losses = new List<MetaStepLosses>();
        for (int step = 0; step < 8; step++) losses.Add(learner.Step(episode));
        foreach (var (l, k) in losses.Select((l, k) => (l, k)))
            _output.WriteLine($"{k}: G {l.Generator:F4} (cnt {l.Content:F5} adv {l.Adversarial:F4} fm {l.FeatureMatching:F4} mch {l.Match:F4}) D {l.Discriminator:F4}");
        _output.WriteLine($"{losses.Count} steps in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.All(losses, l => Assert.True(double.IsFinite(l.Generator) && double.IsFinite(l.Discriminator)));
        Assert.True(losses[^1].Generator < 0.9 * losses[0].Generator, $"generator objective {losses[0].Generator:F4} -> {losses[^1].Generator:F4}");
        Assert.True(losses[^1].Content < losses[0].Content, $"content loss {losses[0].Content:F5} -> {losses[^1].Content:F5}");
        Assert.True(losses[^1].Match < losses[0].Match, $"match loss {losses[0].Match:F4} -> {losses[^1].Match:F4}");
    }

    [Fact]
    public void StepsLeaveNoTensorBehind()
    {
        // 15 steps (1 to 4 s each on 2 shared cores): every tensor a step makes is gone when it returns,
        // so the count after step 5 (Adam state created) equals the count at the end.
        const int Steps = 15, Baseline = 5;
        using var scope = NewDisposeScope();
        random.manual_seed(12);
        var config = Micro with { KShot = 1 };
        using var learner = Build(config);
        var episode = RandomEpisode(config);
        long liveAtBaseline = 0;
        var clock = Stopwatch.StartNew();
        MetaStepLosses? last = null;
        for (int step = 1; step <= Steps; step++)
        {
            var t0 = clock.Elapsed.TotalSeconds;
            last = learner.Step(episode);
            if (step % 10 == 0) _output.WriteLine($"step {step}: {clock.Elapsed.TotalSeconds - t0:F2} s");
            if (step == Baseline) liveAtBaseline = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        }
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        _output.WriteLine($"{Steps} steps in {clock.Elapsed.TotalSeconds:F1} s; live tensors after step {Baseline}: {liveAtBaseline}, after step {Steps}: {live}; last G {last!.Generator:F4} D {last.Discriminator:F4}");
        Assert.Equal(liveAtBaseline, live);
    }
}
