using TorchSharp;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

/// <summary>The fixture checkpoints (published layout) load into models built from tiny.yaml.</summary>
[Trait("Category", "Parity")]
public class CheckpointFixtureTests
{
    [Fact]
    public void Legacy_and_zip_checkpoints_load_the_same_generator_and_keypoint_detector()
    {
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        var states = new List<Dictionary<string, Tensor>>();
        var modules = new List<nn.Module>(); // held until the comparison ends: a collected module frees its parameters
        foreach (var name in new[] { "checkpoint-legacy.pth.tar", "checkpoint-zip.pth.tar" })
        {
            var path = Fixtures.Path("fomm", name);
            var kp = KeypointDetector.FromConfig(config.model_params);
            var gen = OcclusionAwareGenerator.FromConfig(config.model_params);
            modules.Add(kp);
            modules.Add(gen);
            FommCheckpoint.LoadForInference(FixtureData.Checkpoint(path), kp, gen, path);
            states.Add(gen.state_dict().Concat(kp.state_dict().Select(kv => KeyValuePair.Create("kp." + kv.Key, kv.Value)))
                .ToDictionary(kv => kv.Key, kv => kv.Value));
        }
        Assert.Equal(states[0].Count, states[1].Count);
        foreach (var (key, value) in states[0]) TensorAssert.AllCloseAbs(value, states[1][key], 0, key);
        foreach (var m in modules) m.Dispose();
    }

    [Fact]
    public void The_spectral_norm_discriminator_loads_strictly_from_the_checkpoint()
    {
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        var path = Fixtures.Path("fomm", "checkpoint-legacy.pth.tar");
        using var disc = MultiScaleDiscriminator.FromConfig(config.model_params);
        var state = FommCheckpoint.Section(FixtureData.Checkpoint(path), "discriminator", path);
        FommCheckpoint.Load(disc, state, "discriminator", path);
        var loaded = disc.state_dict();
        foreach (var (key, value) in state) TensorAssert.AllCloseAbs((Tensor)value!, loaded[key.ToString()!], 0, key.ToString()!);
    }
}
