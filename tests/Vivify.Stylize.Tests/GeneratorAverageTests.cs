using Vivify.TestSupport;
using Vivify.Torch.StateDicts;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Stylize.Tests;

public class GeneratorAverageTests
{
    private static GeneratorJ Tiny() => new(use_bias: true, resnet_blocks: 1, tanh: true, filters: [4, 4, 4, 4, 4, 4], append_smoothers: true);

    [Fact]
    public void AverageStartsAtTheTrainedWeightsAndFollowsTheWarmUpSchedule()
    {
        using var scope = NewDisposeScope();
        using var trained = Tiny();
        using var average = new GeneratorAverage(trained, Tiny(), decay: 0.5);
        var before = StateDict.Of(trained).ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        foreach (var (key, t) in StateDict.Of(average.Model)) TensorAssert.Equal(before[key], t, key);

        // Two updates after changing the trained weights: β₀ = min(0.5, 1/10) = 0.1, β₁ = min(0.5, 2/11) = 2/11.
        var shifts = new[] { 1.0, 3.0 };
        var expected = before.ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        for (int n = 0; n < shifts.Length; n++)
        {
            using (no_grad())
            {
                foreach (var p in trained.parameters()) p.add_(shifts[n]);
                trained.train();
                trained.call(randn(2, 3, 16, 16)); // moves the batch-norm running statistics
            }
            var beta = Math.Min(0.5, (1.0 + n) / (10.0 + n));
            foreach (var (name, p) in trained.named_parameters()) expected[name] = expected[name] * beta + p.detach() * (1 - beta);
            average.Update();
        }
        Assert.Equal(2, average.Updates);
        var parameters = trained.named_parameters().Select(p => p.name).ToHashSet();
        foreach (var (key, t) in StateDict.Of(average.Model))
        {
            if (parameters.Contains(key)) TensorAssert.AllCloseAbs(expected[key], t, 1e-6, key);
            else TensorAssert.Equal(StateDict.Of(trained).Single(kv => kv.Key == key).Value, t, key); // running statistics are copied
        }
        Assert.All(average.Model.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void DecayOutsideZeroToOneIsRefused()
    {
        using var trained = Tiny();
        Assert.Throws<ArgumentOutOfRangeException>(() => new GeneratorAverage(trained, Tiny(), decay: 1));
    }
}

public class StylizeSessionAverageTests
{
    private const string TinyYaml = """
        generator: {type: GeneratorJ, args: {use_bias: true, tanh: true, append_smoothers: true, resnet_blocks: 1, filters: [4, 4, 4, 4, 4, 4]}}
        discriminator: {type: DiscriminatorN_IN, args: {num_filters: 4, n_layers: 2}}
        trainer: {batch_size: 2}
        training_dataset: {type: DatasetPatches_M, patch_size: 12}
        """;

    private static List<Keyframe> Keys()
    {
        manual_seed(3);
        return [new Keyframe(rand(3, 24, 32) * 2 - 1, rand(3, 24, 32) * 2 - 1)];
    }

    [Fact]
    public void ModelFileKeepsTheAverageForInferenceAndTheTrainedWeightsForResume()
    {
        var dir = Directory.CreateTempSubdirectory("vivify-avg").FullName;
        try
        {
            var path = Path.Combine(dir, "m.pth");
            using (var session = new StylizeSession(StylizeConfig.Parse(TinyYaml), 3, null, seed: 1))
            {
                session.SetKeyframes(Keys());
                for (int i = 0; i < 3; i++) session.Step();
                Assert.Same(session.Average!.Model, session.InferenceGenerator);
                session.Save(path);

                // apply reads "generator": the average.
                using var applied = StylizeCheckpoints.LoadGenerator(path);
                var avg = StateDict.Of(session.Average.Model);
                var loaded = StateDict.Of(applied);
                for (int i = 0; i < avg.Count; i++) TensorAssert.Equal(avg[i].Value, loaded[i].Value, avg[i].Key);
                Assert.Contains(StateDict.Of(session.Generator), kv => !kv.Value.eq(StateDict.Of(session.Average.Model).Single(a => a.Key == kv.Key).Value).all().item<bool>());

                using var resumed = StylizeSession.Resume(path, StylizeConfig.Parse(TinyYaml), null, seed: 1);
                Assert.Equal(3, resumed.Average!.Updates);
                foreach (var (a, b) in new[] { (session.Generator, resumed.Generator), (session.Average.Model, resumed.Average.Model) })
                {
                    var sa = StateDict.Of(a);
                    var sb = StateDict.Of(b);
                    for (int i = 0; i < sa.Count; i++) TensorAssert.Equal(sa[i].Value, sb[i].Value, sa[i].Key);
                }
            }

            // --no-average: the published behaviour, and a file without "generator_trained".
            using var plain = new StylizeSession(StylizeConfig.Parse(TinyYaml), 3, null, seed: 1, average: false);
            plain.SetKeyframes(Keys());
            plain.Step();
            Assert.Null(plain.Average);
            Assert.Same(plain.Generator, plain.InferenceGenerator);
            plain.Save(path);
            Assert.False(((Vivify.Torch.Checkpoints.PyDict)Vivify.Torch.Checkpoints.TorchFile.Load(path)!).ContainsKey("generator_trained"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
