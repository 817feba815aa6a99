using Vivify.Media;
using Vivify.Stylize.Prep;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Stylize.Tests.Pipeline;

/// <summary>Training's answer to a repaint (<see cref="RepaintFocus"/>): patches centred on what changed, the average restarted, the learning rate boosted, the generator's Adam afresh.</summary>
public sealed class RepaintFocusTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-repaint").FullName;

    [Fact]
    public void After_a_repaint_the_stated_share_of_patches_is_centred_in_the_changed_region_falling_to_none()
    {
        // Channel 0 holds x + 1 and channel 1 y + 1, so a patch's middle pixel tells its centre (0: cut off by the border).
        const int size = 16, half = 2;
        var x = arange(1, size + 1, dtype: ScalarType.Float32).expand(size, size);
        using var pre = stack([x, x.t(), zeros(size, size)]);
        var changed = zeros(size, size, dtype: ScalarType.Bool);
        changed[4..12, 7..9] = true; // 16 of 256 centres
        bool Inside(Tensor patch) => patch[0, half, half].item<float>() is 8 or 9 && patch[1, half, half].item<float>() is >= 5 and <= 12;

        var sampler = new PatchSampler([new Keyframe(pre, pre)], patchSize: 4, seed: 5);
        Assert.Equal(0, sampler.FocusShare);
        var uniform = CountInside(sampler, 10);
        Assert.True(uniform <= 8, $"{uniform} of 40 uniform patches inside a region of 1/16 of the frame");

        sampler.Focus([changed], share: 0.75, steps: 20);
        double expected = 0;
        var inside = 0;
        for (var b = 0; b < 20; b++)
        {
            Assert.Equal(0.75 * (1 - b / 20.0), sampler.FocusShare, 12);
            expected += 4 * sampler.FocusShare;
            inside += CountInside(sampler, 1);
        }
        // Exactly the stated share is focused (to one patch); uniform ones may land inside too, a few of the 40 % left.
        Assert.InRange(inside, Math.Floor(expected), Math.Floor(expected) + 6);
        Assert.Equal(0, sampler.FocusShare);
        Assert.True(CountInside(sampler, 10) <= 8);
        changed.Dispose();

        int CountInside(PatchSampler s, int batches)
        {
            var n = 0;
            for (var i = 0; i < batches; i++)
            {
                var (p, post, already) = s.Sample(4);
                using (p) using (post) using (already)
                    for (var j = 0; j < 4; j++) if (Inside(p[j])) n++;
            }
            return n;
        }
    }

    [Fact]
    public void The_changed_region_is_where_the_painting_or_mask_differs_and_none_for_a_new_clip()
    {
        using var pre = rand(3, 6, 6);
        using var a = zeros(3, 6, 6);
        using var b = a.clone();
        b[1, 2, 3] = 0.5f;
        var c = RepaintFocus.Changed([new Keyframe(pre, a)], [new Keyframe(pre, b)]);
        Assert.Equal([(2L, 3L)], Indices(c![0]!));
        Assert.Null(RepaintFocus.Changed([new Keyframe(pre, a)], [new Keyframe(pre, a.clone())])![0]);
        using var otherFrame = rand(3, 6, 6);
        Assert.Null(RepaintFocus.Changed([new Keyframe(pre, a)], [new Keyframe(otherFrame, b)])); // nothing matches: no focus
    }

    private static List<(long, long)> Indices(Tensor mask)
    {
        using var nz = mask.nonzero();
        return Enumerable.Range(0, (int)nz.shape[0]).Select(i => (nz[i, 0].item<long>(), nz[i, 1].item<long>())).ToList();
    }

    [Fact]
    public void A_repaint_restarts_the_averages_warm_up_at_the_next_step_and_an_unchanged_painting_does_not()
    {
        using var clip = StylizeInputs.LoadClip(Enumerable.Range(0, TinyStylizeClip.Frames).Select(f => TinyStylizeClip.Frame(f)));
        var first = TinyStylizeClip.Painting(_dir, "p0.png", 0);
        using var job = NewJob(clip, first, average: true);
        job.Session.RepaintFocus = new RepaintFocus();
        for (var i = 0; i < 3; i++) job.Session.Step();
        job.ReplaceKeyframes([new KeyframeFile(0, TinyStylizeClip.Painting(_dir, "same.png", 0))]);
        job.Session.Step();
        Assert.Equal(4, job.Session.Average!.Updates);
        job.ReplaceKeyframes([new KeyframeFile(0, GreenBlock())]);
        job.Session.Step();
        Assert.Equal(1, job.Session.Average.Updates); // β back to 0.1: the average follows the new training closely
    }

    [Fact]
    public void A_repaint_starts_the_generators_Adam_afresh_at_the_next_step_and_an_unchanged_painting_does_not()
    {
        using var clip = StylizeInputs.LoadClip(Enumerable.Range(0, TinyStylizeClip.Frames).Select(f => TinyStylizeClip.Frame(f)));
        var first = TinyStylizeClip.Painting(_dir, "p0.png", 0);
        foreach (var reset in new[] { true, false })
        {
            using var job = NewJob(clip, first, average: false);
            job.Session.RepaintFocus = new RepaintFocus { ResetGeneratorOptimizer = reset };
            long StepsOf(Vivify.Torch.Optim.Adam adam, nn.Module network) => (long)adam.StateOf(network.parameters().First())!.Step.item<float>();
            long Steps() => StepsOf(job.Session.Trainer.GeneratorOptimizer, job.Session.Generator);
            long DiscriminatorSteps() => StepsOf(job.Session.Trainer.DiscriminatorOptimizer!, job.Session.Discriminator);
            for (var i = 0; i < 3; i++) job.Session.Step();
            job.ReplaceKeyframes([new KeyframeFile(0, TinyStylizeClip.Painting(_dir, "same.png", 0))]);
            job.Session.Step();
            Assert.Equal(4, Steps());
            var discriminatorSteps = DiscriminatorSteps();
            job.ReplaceKeyframes([new KeyframeFile(0, GreenBlock())]);
            job.Session.Step();
            Assert.Equal(reset ? 1 : 5, Steps()); // its first step again: fresh moments, bias correction from the start
            Assert.Equal(discriminatorSteps + 1, DiscriminatorSteps()); // the discriminator's Adam goes on
        }
    }

    [Fact]
    public void After_a_repaint_the_generator_learns_at_the_boosted_rate_falling_back_to_the_configured_one()
    {
        var focus = new RepaintFocus { LearningRateBoost = 3, BoostSteps = 100 };
        Assert.Equal(3, focus.BoostAt(0), 12);
        Assert.Equal(2, focus.BoostAt(50), 12);
        Assert.Equal(1, focus.BoostAt(100), 12);
        Assert.Equal(1, focus.BoostAt(1000), 12);

        // The same training twice up to the step after a repaint, once with the boost and once without: that step moves
        // the weights exactly three times as far (Adam's update is proportional to its rate; the batch and state are equal).
        using var clip = StylizeInputs.LoadClip(Enumerable.Range(0, TinyStylizeClip.Frames).Select(f => TinyStylizeClip.Frame(f)));
        var first = TinyStylizeClip.Painting(_dir, "p0.png", 0);
        var green = GreenBlock();
        double Moved(double boost)
        {
            manual_seed(7); // the networks' initial weights
            using var job = NewJob(clip, first, average: false);
            job.Session.RepaintFocus = new RepaintFocus { LearningRateBoost = boost, BoostSteps = 100 };
            for (var i = 0; i < 3; i++) job.Session.Step();
            job.ReplaceKeyframes([new KeyframeFile(0, green)]);
            var before = job.Session.Generator.parameters().Select(p => p.detach().clone()).ToList();
            job.Session.Step();
            double moved;
            using (NewDisposeScope())
                moved = job.Session.Generator.parameters().Zip(before, (p, b) => (double)(p - b).abs().sum().item<float>()).Sum();
            foreach (var b in before) b.Dispose();
            return moved;
        }
        Assert.Equal(3, Moved(3) / Moved(1), 3);
    }

    private static StylizeJob NewJob(Clip clip, string painting, bool average) =>
        StylizeJob.Create(clip, [new KeyframeFile(0, painting)],
            new StylizeJobOptions { Config = StylizeConfig.Parse(TinyStylizeClip.Yaml), PreFilter = PreFilter.None, Seed = 1, Average = average });

    private const int X0 = 8, X1 = 16, Y0 = 6, Y1 = 14;

    private string GreenBlock()
    {
        var f = TinyStylizeClip.Frame(0);
        for (var y = Y0; y < Y1; y++)
            for (var x = X0; x < X1; x++)
                (f.Data[(y * f.Width + x) * 3], f.Data[(y * f.Width + x) * 3 + 1], f.Data[(y * f.Width + x) * 3 + 2]) = (0, 255, 0);
        var path = Path.Combine(_dir, "green.png");
        ImageIO.Write(path, f);
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
